package dev.ficus.xds.snapshot;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The RequestAuthentication JWT rules that apply to one listener, compiled by the translator into
 * what the proxy verifies: issuers, audiences, key sources and token locations as written, with
 * Istio's default locations ({@code Authorization: Bearer <token>}, the {@code access_token} query
 * parameter) already filled in. The proxy's {@code jwt} stage builds its verifiers from this once
 * per snapshot.
 *
 * <p>Istio's semantics: a request without a token passes with no request principal; a request with
 * a token must carry one that a rule of its issuer verifies, otherwise it is refused with 401.
 *
 * @param rules in configuration order; empty ({@link #NONE}) means no request authentication
 */
public record JwtPolicies(List<Rule> rules) {
    /** No RequestAuthentication applies: tokens are neither looked for nor verified. */
    public static final JwtPolicies NONE = new JwtPolicies(List.of());

    /** How long fetching a {@code jwksUri} may take when the rule does not say (Istio's default). */
    public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(5);

    public JwtPolicies {
        rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
    }

    public boolean isEmpty() { return rules.isEmpty(); }

    /**
     * One {@code jwtRules} entry.
     *
     * @param policy                the RequestAuthentication it comes from ({@code namespace/name}), for logs
     * @param issuer                the {@code iss} claim a token must carry
     * @param audiences             accepted {@code aud} values; empty: the audience is not checked (as Istio's proxies do)
     * @param jwks                  the JSON Web Key Set as written, or null
     * @param jwksUri               where the proxy fetches the key set, or null; with neither, no token of this issuer verifies
     * @param fetchTimeout          how long fetching {@code jwksUri} may take
     * @param fromHeaders           headers that may carry the token, each with the prefix stripped before decoding
     * @param fromParams            query parameters that may carry the token
     * @param fromCookies           cookies that may carry the token
     * @param outputPayloadToHeader header that receives the verified payload (base64url), or null
     * @param outputClaimToHeaders  claims copied into request headers after verification
     * @param forwardOriginalToken  keep the token's header in the request sent upstream
     */
    public record Rule(String policy, String issuer, List<String> audiences, String jwks, String jwksUri, Duration fetchTimeout,
                       List<FromHeader> fromHeaders, List<String> fromParams, List<String> fromCookies,
                       String outputPayloadToHeader, List<ClaimToHeader> outputClaimToHeaders, boolean forwardOriginalToken) {
        public Rule {
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(issuer, "issuer");
            if (issuer.isEmpty()) throw new IllegalArgumentException("issuer must not be empty");
            audiences = audiences == null ? List.of() : List.copyOf(audiences);
            fetchTimeout = fetchTimeout == null ? DEFAULT_FETCH_TIMEOUT : fetchTimeout;
            if (fetchTimeout.isZero() || fetchTimeout.isNegative()) throw new IllegalArgumentException("fetchTimeout must be positive: " + fetchTimeout);
            fromHeaders = fromHeaders == null ? List.of() : List.copyOf(fromHeaders);
            fromParams = fromParams == null ? List.of() : List.copyOf(fromParams);
            fromCookies = fromCookies == null ? List.of() : List.copyOf(fromCookies);
            outputClaimToHeaders = outputClaimToHeaders == null ? List.of() : List.copyOf(outputClaimToHeaders);
        }
    }

    /** A header that may carry the token; {@code prefix} (e.g. {@code "Bearer "}, empty for none) precedes it. */
    public record FromHeader(String name, String prefix) {
        public FromHeader {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) throw new IllegalArgumentException("header name must not be empty");
            prefix = prefix == null ? "" : prefix;
        }
    }

    /** After verification, the claim {@code claim} ({@code a.b} for a nested one) goes into the request header {@code header}. */
    public record ClaimToHeader(String header, String claim) {
        public ClaimToHeader {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(claim, "claim");
        }
    }
}
