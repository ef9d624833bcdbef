package dev.ficus.proxy.authz;

import dev.ficus.api.security.IpBlock;
import dev.ficus.api.security.StringMatch;
import dev.ficus.proxy.jwt.VerifiedJwt;
import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.AuthzPolicies.Action;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The compiled AuthorizationPolicies of one listener, built once when a snapshot is installed
 * (see {@code RuntimeSnapshot}) and evaluated per request (HTTP, before route matching) or per
 * connection (TCP, before the upstream is chosen) on event loops. Immutable; no locks.
 *
 * <p>Istio's order: any matching DENY policy denies; otherwise, when there are ALLOW policies,
 * one must match; with none the request is allowed. AUDIT policies only mark the request.
 *
 * <p>On a TCP connection the HTTP-only fields (hosts, methods, paths, requestPrincipals,
 * {@code request.headers}, {@code request.auth.*}) cannot be decided. As in Istio, an ALLOW rule
 * that uses one never matches such a connection, while DENY and AUDIT rules ignore the field
 * (and so match more connections).
 */
public final class AuthzEngine {
    /** The body of the 403 a denied HTTP request gets, as Envoy's RBAC filter words it. */
    public static final String DENIED_BODY = "RBAC: access denied";

    /** The outcome of one evaluation. */
    public enum Decision {
        ALLOWED(true, false), DENIED(false, false), ALLOWED_AUDITED(true, true), DENIED_AUDITED(false, true);

        private final boolean allowed;
        private final boolean audited;

        Decision(boolean allowed, boolean audited) {
            this.allowed = allowed;
            this.audited = audited;
        }

        public boolean allowed() { return allowed; }

        /** Whether an AUDIT policy matched. */
        public boolean audited() { return audited; }
    }

    /** One field or condition of a rule, decided for a request. */
    @FunctionalInterface
    private interface Field {
        boolean test(AuthzRequest r);
    }

    /** A compiled rule: one of {@code from} (each an AND of fields), one of {@code to}, every {@code when}. */
    private record Rule(Field[][] from, Field[][] to, Field[] when) {
        boolean matches(AuthzRequest r) {
            return (from.length == 0 || anyAll(from, r)) && (to.length == 0 || anyAll(to, r)) && all(when, r);
        }
    }

    private static final Field[] NO_FIELDS = {};
    private static final Rule[] NO_RULES = {};

    private final Rule[][] deny;
    private final Rule[][] allow;
    private final Rule[][] audit;

    private AuthzEngine(Rule[][] deny, Rule[][] allow, Rule[][] audit) {
        this.deny = deny;
        this.allow = allow;
        this.audit = audit;
    }

    /** The engine for {@code policies}, or null when there are none: the listener allows everything unchecked. */
    public static AuthzEngine compile(AuthzPolicies policies) {
        if (policies == null || policies.isEmpty()) return null;
        List<Rule[]> deny = new ArrayList<>();
        List<Rule[]> allow = new ArrayList<>();
        List<Rule[]> audit = new ArrayList<>();
        for (AuthzPolicies.Policy p : policies.policies()) {
            Rule[] rules = p.rules().stream().map(r -> rule(r, p.action())).toArray(Rule[]::new);
            (switch (p.action()) {
                case DENY -> deny;
                case ALLOW -> allow;
                case AUDIT -> audit;
            }).add(rules.length == 0 ? NO_RULES : rules);
        }
        return new AuthzEngine(deny.toArray(Rule[][]::new), allow.toArray(Rule[][]::new), audit.toArray(Rule[][]::new));
    }

    /** Istio's decision for {@code r}. */
    public Decision evaluate(AuthzRequest r) {
        boolean audited = audit.length > 0 && anyPolicy(audit, r);
        boolean allowed = !anyPolicy(deny, r) && (allow.length == 0 || anyPolicy(allow, r));
        if (allowed) return audited ? Decision.ALLOWED_AUDITED : Decision.ALLOWED;
        return audited ? Decision.DENIED_AUDITED : Decision.DENIED;
    }

    /**
     * Decides an HTTP request on {@code ch}, with the token RequestAuthentication verified for it
     * (null when none), and counts the decision in the listener's stats.
     */
    public boolean allowsRequest(Channel ch, HttpRequest req, VerifiedJwt jwt, TrafficStats stats) {
        return count(evaluate(AuthzRequest.http(ch, req, jwt)), stats);
    }

    /** Decides a TCP connection and counts the decision in the listener's stats. */
    public boolean allowsConnection(Channel ch, String sni, TrafficStats stats) {
        return count(evaluate(AuthzRequest.connection(ch, sni)), stats);
    }

    private static boolean count(Decision d, TrafficStats stats) {
        stats.authz(d.allowed(), d.audited());
        return d.allowed();
    }

    private static boolean anyPolicy(Rule[][] policies, AuthzRequest r) {
        for (Rule[] rules : policies) {
            for (Rule rule : rules) {
                if (rule.matches(r)) return true;
            }
        }
        return false;
    }

    private static boolean anyAll(Field[][] alternatives, AuthzRequest r) {
        for (Field[] fields : alternatives) {
            if (all(fields, r)) return true;
        }
        return false;
    }

    private static boolean all(Field[] fields, AuthzRequest r) {
        for (Field f : fields) {
            if (!f.test(r)) return false;
        }
        return true;
    }

    // ---- compiling

    private static Rule rule(AuthzPolicies.Rule rule, Action action) {
        Field[][] from = rule.from().stream().map(s -> source(s, action)).toArray(Field[][]::new);
        Field[][] to = rule.to().stream().map(o -> operation(o, action)).toArray(Field[][]::new);
        Field[] when = rule.when().stream().map(c -> condition(c, action)).toArray(Field[]::new);
        return new Rule(from, to, when.length == 0 ? NO_FIELDS : when);
    }

    private static Field[] source(AuthzPolicies.Source s, Action a) {
        Fields f = new Fields(a);
        f.strings(s.principals(), false, false, r -> r.peer().principal());
        f.strings(s.notPrincipals(), true, false, r -> r.peer().principal());
        f.strings(s.requestPrincipals(), false, true, AuthzRequest::requestPrincipal);
        f.strings(s.notRequestPrincipals(), true, true, AuthzRequest::requestPrincipal);
        f.strings(s.namespaces(), false, false, r -> r.peer().namespace());
        f.strings(s.notNamespaces(), true, false, r -> r.peer().namespace());
        f.blocks(s.ipBlocks(), false, AuthzRequest::sourceIp);
        f.blocks(s.notIpBlocks(), true, AuthzRequest::sourceIp);
        // remote.ip is the peer address until X-Forwarded-For or the PROXY protocol are trusted
        f.blocks(s.remoteIpBlocks(), false, AuthzRequest::sourceIp);
        f.blocks(s.notRemoteIpBlocks(), true, AuthzRequest::sourceIp);
        return f.toArray();
    }

    private static Field[] operation(AuthzPolicies.Operation o, Action a) {
        Fields f = new Fields(a);
        f.hosts(o.hosts(), false);
        f.hosts(o.notHosts(), true);
        f.ports(o.ports().stream().mapToInt(Integer::intValue).toArray(), false);
        f.ports(o.notPorts().stream().mapToInt(Integer::intValue).toArray(), true);
        f.strings(o.methods(), false, true, AuthzRequest::method);
        f.strings(o.notMethods(), true, true, AuthzRequest::method);
        f.strings(o.paths(), false, true, AuthzRequest::path);
        f.strings(o.notPaths(), true, true, AuthzRequest::path);
        return f.toArray();
    }

    private static Field condition(AuthzPolicies.Condition c, Action a) {
        Fields f = new Fields(a);
        String key = c.key();
        String header = AuthzPolicies.headerName(key);
        for (int pass = 0; pass < 2; pass++) {
            List<String> values = pass == 0 ? c.values() : c.notValues();
            boolean not = pass == 1;
            if (header != null) {
                f.strings(values, not, true, r -> r.header(header));
            } else if (key.startsWith(CLAIMS)) {
                List<String> path = claimPath(key);
                f.multi(values, not, r -> r.jwt() == null ? List.of() : r.jwt().claim(path));
            } else if (key.startsWith("request.auth.")) {
                switch (key) {
                    case "request.auth.principal" -> f.strings(values, not, true, AuthzRequest::requestPrincipal);
                    case "request.auth.audiences" -> f.multi(values, not, r -> r.jwt() == null ? List.of() : r.jwt().audiences());
                    case "request.auth.presenter" -> f.strings(values, not, true, r -> r.jwt() == null ? null : r.jwt().presenter());
                    default -> {
                        boolean result = a != Action.ALLOW; // a key this proxy does not know: never widen access
                        f.add(r -> result, false);
                    }
                }
            } else {
                switch (key) {
                    case "source.ip", "remote.ip" -> f.blocks(values, not, AuthzRequest::sourceIp);
                    case "destination.ip" -> f.blocks(values, not, AuthzRequest::destinationIp);
                    case "destination.port" -> f.ports(values.stream().mapToInt(Integer::parseInt).toArray(), not);
                    case "source.principal" -> f.strings(values, not, false, r -> r.peer().principal());
                    case "source.namespace" -> f.strings(values, not, false, r -> r.peer().namespace());
                    case "connection.sni" -> f.strings(values, not, false, AuthzRequest::sni);
                    default -> {
                        // a key this proxy does not know (a newer control plane): never widen access
                        boolean result = a != Action.ALLOW;
                        f.add(r -> result, false);
                    }
                }
            }
        }
        Field[] parts = f.toArray();
        return parts.length == 1 ? parts[0] : r -> all(parts, r);
    }

    private static final String CLAIMS = "request.auth.claims[";

    /** {@code request.auth.claims[a][b]} → {@code [a, b]}: Istio's nested claim syntax. */
    static List<String> claimPath(String key) {
        String inner = key.substring(CLAIMS.length(), key.length() - 1);
        return List.of(inner.split("\\]\\[", -1));
    }

    /** Collects the fields of one source, operation or condition; empty value lists add nothing. */
    private static final class Fields {
        private final List<Field> out = new ArrayList<>();
        /** What an HTTP-only field decides on a TCP connection: ALLOW rules fail, DENY and AUDIT rules ignore it. */
        private final boolean tcpResult;

        Fields(Action action) { this.tcpResult = action != Action.ALLOW; }

        void add(Field f, boolean httpOnly) {
            boolean tcp = tcpResult;
            out.add(httpOnly ? r -> r.http() ? f.test(r) : tcp : f);
        }

        void strings(List<String> values, boolean not, boolean httpOnly, Function<AuthzRequest, String> attribute) {
            if (values.isEmpty()) return;
            StringMatch[] ms = values.stream().map(Matchers::form).toArray(StringMatch[]::new);
            add(r -> {
                String v = attribute.apply(r);
                for (StringMatch m : ms) {
                    if (Matchers.matches(m, v)) return !not;
                }
                return not;
            }, httpOnly);
        }

        /** A multi-valued attribute (a list claim, the audiences): matches when any of its values matches a form. */
        void multi(List<String> values, boolean not, Function<AuthzRequest, List<String>> attribute) {
            if (values.isEmpty()) return;
            StringMatch[] ms = values.stream().map(Matchers::form).toArray(StringMatch[]::new);
            add(r -> {
                for (String v : attribute.apply(r)) {
                    for (StringMatch m : ms) {
                        if (Matchers.matches(m, v)) return !not;
                    }
                }
                return not;
            }, true);
        }

        void hosts(List<String> values, boolean not) {
            if (values.isEmpty()) return;
            StringMatch[] ms = values.stream().map(Matchers::form).toArray(StringMatch[]::new);
            add(r -> {
                for (StringMatch m : ms) {
                    if (Matchers.matchesHost(m, r.host())) return !not;
                }
                return not;
            }, true);
        }

        void blocks(List<String> values, boolean not, Function<AuthzRequest, byte[]> attribute) {
            if (values.isEmpty()) return;
            IpBlock[] blocks = values.stream().map(IpBlock::parse).toArray(IpBlock[]::new);
            add(r -> Matchers.inAny(blocks, attribute.apply(r)) != not, false);
        }

        void ports(int[] ports, boolean not) {
            if (ports.length == 0) return;
            add(r -> {
                int p = r.destinationPort();
                for (int q : ports) {
                    if (q == p) return !not;
                }
                return not;
            }, false);
        }

        Field[] toArray() { return out.isEmpty() ? NO_FIELDS : out.toArray(Field[]::new); }
    }
}
