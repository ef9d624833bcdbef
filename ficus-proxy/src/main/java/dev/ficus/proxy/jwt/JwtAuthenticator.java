package dev.ficus.proxy.jwt;

import dev.ficus.xds.snapshot.JwtPolicies;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The compiled RequestAuthentication rules of one listener: finds the token a request carries,
 * verifies it with the rule of its issuer and, when it is valid, applies the rule's header changes
 * ({@code outputClaimToHeaders}, {@code outputPayloadToHeader}, removing the token unless
 * {@code forwardOriginalToken}). Built once per snapshot (see {@code RuntimeSnapshot}), keys
 * included; {@link #authenticate} runs on the request's event loop after the codec and before
 * authorization. Immutable; no locks.
 *
 * <p>Istio's semantics: no token → the request goes on without a request principal; a token that
 * does not verify (bad signature, no key for its {@code kid}, an issuer no rule names or that did
 * not allow the place the token was found, a wrong audience, expired or not yet valid, malformed,
 * {@code alg: none}) → 401. The first token found is the one verified: headers in rule order, then
 * query parameters, then cookies.
 */
public final class JwtAuthenticator {
    /** The body of the 401, as Envoy's jwt_authn filter words a failed verification. */
    public static final String FAILED_BODY = "Jwt verification fails";
    /** The clock skew allowed on {@code exp} and {@code nbf}: Envoy's default. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    /** Made on first use: the JDK finds its logger back end with a search of every jar of the class
     *  path (~0.1 s of a proxy's start when done while the class loads). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(JwtAuthenticator.class.getName());
    }

    /**
     * The result for one request: no token ({@link #NONE}), a verified one, or a refusal.
     *
     * @param jwt     the verified token, or null
     * @param failure why the token was refused, or null
     */
    public record Outcome(VerifiedJwt jwt, String failure) {
        public static final Outcome NONE = new Outcome(null, null);

        public boolean failed() { return failure != null; }
    }

    /** Where a token may be, with the issuers whose rules look there. */
    private record Location(Kind kind, String name, String prefix, Set<String> issuers) {
        enum Kind { HEADER, PARAM, COOKIE }
    }

    /** A token found at a location, and its header to remove. */
    private record Found(String token, Location at) {}

    private final Location[] headers;
    private final Location[] params;
    private final Location[] cookies;
    private final Map<String, RuleVerifier> byIssuer;
    private final Map<String, List<Claim>> claimsByIssuer;
    private final String[] outputHeaders; // removed from every request: only a verified token sets them
    private final Clock clock;

    /** One {@code outputClaimToHeaders} entry, its path split once. */
    private record Claim(String header, List<String> path) {}

    private JwtAuthenticator(List<Location> locations, Map<String, RuleVerifier> byIssuer, Clock clock) {
        this.headers = locations.stream().filter(l -> l.kind() == Location.Kind.HEADER).toArray(Location[]::new);
        this.params = locations.stream().filter(l -> l.kind() == Location.Kind.PARAM).toArray(Location[]::new);
        this.cookies = locations.stream().filter(l -> l.kind() == Location.Kind.COOKIE).toArray(Location[]::new);
        this.byIssuer = Map.copyOf(byIssuer);
        Map<String, List<Claim>> claims = new HashMap<>();
        Set<String> out = new LinkedHashSet<>();
        for (RuleVerifier v : byIssuer.values()) {
            List<Claim> cs = new ArrayList<>();
            for (JwtPolicies.ClaimToHeader c : v.rule.outputClaimToHeaders()) {
                cs.add(new Claim(c.header(), List.of(c.claim().split("\\.", -1))));
                out.add(c.header());
            }
            if (v.rule.outputPayloadToHeader() != null) out.add(v.rule.outputPayloadToHeader());
            claims.put(v.rule.issuer(), List.copyOf(cs));
        }
        this.claimsByIssuer = Map.copyOf(claims);
        this.outputHeaders = out.toArray(String[]::new);
        this.clock = clock;
    }

    /**
     * The authenticator for {@code policies}, or null when there are none. Inline key sets are
     * parsed here; {@code jwksUri} key sets come from {@code cache}, which fetches them off the
     * event loops.
     */
    public static JwtAuthenticator compile(JwtPolicies policies, JwksCache cache, Clock clock) {
        if (policies == null || policies.isEmpty()) return null;
        Map<String, RuleVerifier> byIssuer = new LinkedHashMap<>();
        Map<String, Location> locations = new LinkedHashMap<>();
        for (JwtPolicies.Rule r : policies.rules()) {
            if (byIssuer.containsKey(r.issuer())) { // validation refuses this within one policy; across policies the first wins
                Log.LOG.log(System.Logger.Level.WARNING, r.policy() + ": issuer " + r.issuer() + " is also configured by "
                        + byIssuer.get(r.issuer()).rule.policy() + "; this rule is ignored");
                continue;
            }
            byIssuer.put(r.issuer(), new RuleVerifier(r, keys(r, cache), CLOCK_SKEW.toSeconds()));
            for (JwtPolicies.FromHeader h : r.fromHeaders()) add(locations, Location.Kind.HEADER, h.name(), h.prefix(), r.issuer());
            for (String p : r.fromParams()) add(locations, Location.Kind.PARAM, p, "", r.issuer());
            for (String c : r.fromCookies()) add(locations, Location.Kind.COOKIE, c, "", r.issuer());
        }
        return new JwtAuthenticator(List.copyOf(locations.values()), byIssuer, clock);
    }

    private static void add(Map<String, Location> all, Location.Kind kind, String name, String prefix, String issuer) {
        String n = kind == Location.Kind.HEADER ? name.toLowerCase(java.util.Locale.ROOT) : name;
        String key = kind + "\0" + n + "\0" + prefix;
        Location was = all.get(key);
        Set<String> issuers = new LinkedHashSet<>(was == null ? Set.of() : was.issuers());
        issuers.add(issuer);
        all.put(key, new Location(kind, n, prefix, Set.copyOf(issuers)));
    }

    private static KeySource keys(JwtPolicies.Rule r, JwksCache cache) {
        if (r.jwks() != null) {
            Jwks parsed;
            try {
                parsed = Jwks.parse(r.jwks());
            } catch (IllegalArgumentException e) {
                Log.LOG.log(System.Logger.Level.WARNING, r.policy() + ": the jwks of issuer " + r.issuer() + " is unusable (" + e.getMessage()
                        + "); its tokens are refused");
                return () -> null;
            }
            if (!parsed.skipped().isEmpty()) {
                Log.LOG.log(System.Logger.Level.WARNING, r.policy() + ": keys of issuer " + r.issuer() + " left out: " + parsed.skipped());
            }
            return () -> parsed;
        }
        if (r.jwksUri() != null) return cache.source(r.jwksUri(), r.fetchTimeout());
        return () -> null; // OpenID discovery is not done: the translator noted it
    }

    /**
     * Finds, verifies and applies the token of a request; changes {@code h} for the upstream when
     * the token is valid. Never throws on any input.
     */
    public Outcome authenticate(String uri, HttpHeaders h) {
        try {
            return authenticateOrThrow(uri, h);
        } catch (RuntimeException e) { // untrusted input never escapes the stage as an exception
            return new Outcome(null, "unexpected " + e);
        }
    }

    private Outcome authenticateOrThrow(String uri, HttpHeaders h) {
        for (String name : outputHeaders) h.remove(name);
        Found found = find(uri, h);
        if (found == null) return Outcome.NONE;
        Token token;
        try {
            token = Token.parse(found.token());
        } catch (JwtFailure e) {
            return new Outcome(null, e.getMessage());
        }
        String iss = Json.string(token.payload(), "iss");
        RuleVerifier rule = iss == null ? null : byIssuer.get(iss);
        if (rule == null || !found.at().issuers().contains(iss)) {
            return new Outcome(null, iss == null ? "the token has no issuer" : "issuer '" + iss + "' is not accepted " + where(found.at()));
        }
        VerifiedJwt jwt;
        try {
            jwt = rule.verify(token, clock.instant().getEpochSecond());
        } catch (JwtFailure e) {
            return new Outcome(null, e.getMessage());
        }
        JwtPolicies.Rule r = rule.rule;
        if (!r.forwardOriginalToken() && found.at().kind() == Location.Kind.HEADER) h.remove(found.at().name());
        if (r.outputPayloadToHeader() != null) h.set(r.outputPayloadToHeader(), token.payloadText());
        for (Claim c : claimsByIssuer.get(iss)) {
            String v = jwt.claimText(c.path());
            if (v != null && headerSafe(v)) h.set(c.header(), v);
        }
        return new Outcome(jwt, null);
    }

    private static String where(Location l) {
        return switch (l.kind()) {
            case HEADER -> "in header " + l.name();
            case PARAM -> "in query parameter " + l.name();
            case COOKIE -> "in cookie " + l.name();
        };
    }

    private Found find(String uri, HttpHeaders h) {
        for (Location l : headers) {
            String v = h.get(l.name());
            if (v == null) continue;
            String prefix = l.prefix();
            if (!v.regionMatches(true, 0, prefix, 0, prefix.length())) continue; // another scheme (e.g. Basic): no token here
            return new Found(v.substring(prefix.length()).strip(), l);
        }
        if (params.length > 0) {
            int q = uri.indexOf('?');
            if (q >= 0) {
                Map<String, List<String>> query;
                try {
                    query = new QueryStringDecoder(uri).parameters();
                } catch (IllegalArgumentException e) { // a malformed %-escape: no token can be read there
                    query = Map.of();
                }
                for (Location l : params) {
                    List<String> v = query.get(l.name());
                    if (v != null && !v.isEmpty()) return new Found(v.getFirst(), l);
                }
            }
        }
        if (cookies.length > 0) {
            String header = h.get(HttpHeaderNames.COOKIE);
            if (header != null) {
                Set<Cookie> sent = ServerCookieDecoder.LAX.decode(header);
                for (Location l : cookies) {
                    for (Cookie c : sent) if (c.name().equals(l.name())) return new Found(c.value(), l);
                }
            }
        }
        return null;
    }

    /** Whether a claim's text can be a header value as it is: no control characters, Latin-1 only. */
    private static boolean headerSafe(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) return false;
        }
        return true;
    }

    /** Envoy's {@code www-authenticate} for a refused token: the request's URL as realm. */
    public static String challenge(String host, String uri) {
        int end = uri.indexOf('?');
        String path = end < 0 ? uri : uri.substring(0, end);
        String realm = path.startsWith("/") ? "http://" + (host == null ? "" : host) + path : path;
        StringBuilder b = new StringBuilder(realm.length() + 48).append("Bearer realm=\"");
        for (int i = 0; i < realm.length(); i++) {
            char c = realm.charAt(i);
            if (c == '"' || c == '\\') b.append('\\');
            if (c >= 0x20 && c < 0x7f) b.append(c);
        }
        return b.append("\", error=\"invalid_token\"").toString();
    }

    @Override
    public String toString() { return "JwtAuthenticator" + Arrays.toString(byIssuer.keySet().toArray()); }
}
