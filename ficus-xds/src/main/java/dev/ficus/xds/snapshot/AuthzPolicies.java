package dev.ficus.xds.snapshot;

import dev.ficus.api.security.IpBlock;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The AuthorizationPolicies that apply to one listener, compiled by the translator into what the
 * proxy enforces: only Istio's source values (principals, paths, CIDRs as written), with every
 * field the proxy cannot enforce already resolved the fail-closed way (see {@code AuthzTranslator}).
 * The proxy's {@code authz} stage builds its matchers from this once per snapshot.
 *
 * <p>Istio's decision order: a request that matches a DENY policy is denied; otherwise, when
 * there are ALLOW policies, it must match one of them; with none it is allowed. AUDIT policies
 * only mark a request. A policy without rules never matches (an ALLOW policy without rules is
 * Istio's "allow-nothing"); a rule without from, to and when matches everything.
 *
 * @param policies in configuration order; empty ({@link #NONE}) means no policy: allow all
 */
public record AuthzPolicies(List<Policy> policies) {
    /** No policy applies: every request is allowed, nothing is evaluated. */
    public static final AuthzPolicies NONE = new AuthzPolicies(List.of());

    /** The condition keys the proxy evaluates ({@code request.headers[NAME]} and {@code request.auth.claims[NAME]} besides). */
    public static final Set<String> CONDITION_KEYS = Set.of(
            "source.ip", "remote.ip", "source.namespace", "source.principal", "request.auth.principal",
            "request.auth.audiences", "request.auth.presenter", "destination.ip", "destination.port", "connection.sni");

    public AuthzPolicies {
        policies = List.copyOf(Objects.requireNonNull(policies, "policies"));
    }

    public boolean isEmpty() { return policies.isEmpty(); }

    /** Whether {@code key} is a condition key the proxy evaluates. */
    public static boolean isKnownConditionKey(String key) {
        return CONDITION_KEYS.contains(key) || headerName(key) != null
                || (key.startsWith("request.auth.claims[") && key.endsWith("]") && key.length() > "request.auth.claims[]".length());
    }

    /** The lowercase header name of a {@code request.headers[NAME]} key, or null for other keys. */
    public static String headerName(String key) {
        String p = "request.headers[";
        if (!key.startsWith(p) || !key.endsWith("]") || key.length() == p.length() + 1) return null;
        String name = key.substring(p.length(), key.length() - 1);
        return name.contains("[") || name.contains("]") ? null : name.toLowerCase(java.util.Locale.ROOT);
    }

    /** What a matching request leads to. CUSTOM never reaches the snapshot: the translator makes it DENY. */
    public enum Action { ALLOW, DENY, AUDIT }

    /**
     * One AuthorizationPolicy.
     *
     * @param name  {@code namespace/name}, for logs and the config dump
     * @param rules ORed; empty never matches
     */
    public record Policy(String name, Action action, List<Rule> rules) {
        public Policy {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(action, "action");
            rules = rules == null ? List.of() : List.copyOf(rules);
        }
    }

    /** Matches when one {@code from}, one {@code to} (an empty list matches anything) and every {@code when} match. */
    public record Rule(List<Source> from, List<Operation> to, List<Condition> when) {
        public static final Rule ANY = new Rule(List.of(), List.of(), List.of());

        public Rule {
            from = from == null ? List.of() : List.copyOf(from);
            to = to == null ? List.of() : List.copyOf(to);
            when = when == null ? List.of() : List.copyOf(when);
        }
    }

    /**
     * Who sent a request; fields ANDed, values ORed, {@code not*} fields match when none of their
     * values does. {@code remoteIpBlocks} are matched against the peer address, as
     * {@code ipBlocks}: the proxy does not trust X-Forwarded-For yet.
     */
    public record Source(List<String> principals, List<String> notPrincipals,
                         List<String> requestPrincipals, List<String> notRequestPrincipals,
                         List<String> namespaces, List<String> notNamespaces,
                         List<String> ipBlocks, List<String> notIpBlocks,
                         List<String> remoteIpBlocks, List<String> notRemoteIpBlocks) {
        public Source {
            principals = forms(principals);
            notPrincipals = forms(notPrincipals);
            requestPrincipals = forms(requestPrincipals);
            notRequestPrincipals = forms(notRequestPrincipals);
            namespaces = forms(namespaces);
            notNamespaces = forms(notNamespaces);
            ipBlocks = blocks(ipBlocks);
            notIpBlocks = blocks(notIpBlocks);
            remoteIpBlocks = blocks(remoteIpBlocks);
            notRemoteIpBlocks = blocks(notRemoteIpBlocks);
        }
    }

    /** What a request does; fields ANDed, values ORed. {@code ports} are the destination (listener) port. */
    public record Operation(List<String> hosts, List<String> notHosts,
                            List<Integer> ports, List<Integer> notPorts,
                            List<String> methods, List<String> notMethods,
                            List<String> paths, List<String> notPaths) {
        public Operation {
            hosts = forms(hosts);
            notHosts = forms(notHosts);
            ports = checkPorts(ports);
            notPorts = checkPorts(notPorts);
            methods = forms(methods);
            notMethods = forms(notMethods);
            paths = forms(paths);
            notPaths = forms(notPaths);
        }
    }

    /**
     * One {@code when} condition: some value matches (if {@code values} is set) and none of
     * {@code notValues} does. {@code key} is one {@link #isKnownConditionKey} accepts.
     */
    public record Condition(String key, List<String> values, List<String> notValues) {
        public Condition {
            Objects.requireNonNull(key, "key");
            if (!isKnownConditionKey(key)) throw new IllegalArgumentException("unsupported condition key '" + key + "'");
            values = List.copyOf(values == null ? List.of() : values);
            notValues = List.copyOf(notValues == null ? List.of() : notValues);
            switch (key) {
                case "source.ip", "remote.ip", "destination.ip" -> { blocks(values); blocks(notValues); }
                case "destination.port" -> { for (String v : values) port(v); for (String v : notValues) port(v); }
                default -> { forms(values); forms(notValues); }
            }
        }
    }

    // ---- checks: what a proxy decodes passes the same ones as what the translator built ----

    private static List<String> forms(List<String> values) {
        if (values == null) return List.of();
        for (String v : values) {
            if (dev.ficus.api.security.StringMatch.parse(v).isEmpty()) {
                throw new IllegalArgumentException("'" + v + "' is not an exact, prefix 'x*', suffix '*x' or '*' match");
            }
        }
        return List.copyOf(values);
    }

    private static List<String> blocks(List<String> values) {
        if (values == null) return List.of();
        for (String v : values) IpBlock.parse(v);
        return List.copyOf(values);
    }

    private static List<Integer> checkPorts(List<Integer> values) {
        if (values == null) return List.of();
        for (Integer p : values) {
            if (p == null || p < 1 || p > 65535) throw new IllegalArgumentException("port " + p + " is not in 1..65535");
        }
        return List.copyOf(values);
    }

    private static int port(String v) {
        try {
            int p = Integer.parseInt(v);
            if (p >= 1 && p <= 65535) return p;
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("'" + v + "' is not a port in 1..65535");
    }
}
