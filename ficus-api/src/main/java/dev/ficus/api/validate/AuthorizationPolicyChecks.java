package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.SpiffeId;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.AuthorizationPolicy;
import dev.ficus.api.security.AuthorizationPolicy.Action;
import dev.ficus.api.security.Condition;
import dev.ficus.api.security.IpBlock;
import dev.ficus.api.security.Operation;
import dev.ficus.api.security.Rule;
import dev.ficus.api.security.Source;
import dev.ficus.api.security.StringMatch;
import dev.ficus.api.security.WorkloadSelector;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Istio's validation rules for AuthorizationPolicy, stricter: principals must be workload
 * identities (or Istio's prefix/suffix forms), addresses and ports must parse, paths and
 * {@code when} keys must be forms the proxy matches. The static helpers here (selector labels,
 * map-key paths, header names) are shared by the other security and telemetry checks.
 */
final class AuthorizationPolicyChecks implements Check<AuthorizationPolicy> {
    @Override public boolean readsOthers() { return false; }


    static final List<String> HTTP_METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
    static final List<String> CONDITION_KEYS = List.of(
            "request.headers[NAME]", "source.ip", "remote.ip", "source.namespace", "source.principal",
            "request.auth.principal", "request.auth.audiences", "request.auth.presenter", "request.auth.claims[NAME]",
            "destination.ip", "destination.port", "connection.sni", "experimental.envoy.filters.*");
    private static final Set<String> PLAIN_CONDITION_KEYS = Set.of(
            "source.ip", "remote.ip", "source.namespace", "source.principal", "request.auth.principal",
            "request.auth.audiences", "request.auth.presenter", "destination.ip", "destination.port", "connection.sni");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern SERVICE_ACCOUNT = Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    private static final Pattern CLAIM_KEY = Pattern.compile("request\\.auth\\.claims(\\[[^\\[\\]]+\\])+");
    private static final Pattern HEADER_KEY = Pattern.compile("request\\.headers\\[([^\\[\\]]*)\\]");
    private static final String FORMS = "use an exact value, a prefix 'abc*', a suffix '*abc' or '*' (any value)";

    @Override
    public void check(Resource<AuthorizationPolicy> r, ConfigSet all, Report report) {
        AuthorizationPolicy spec = r.spec();
        checkSelector(spec.selector(), "spec.selector", report);
        Action action = spec.actionOrDefault();
        if (action == Action.CUSTOM && spec.provider() == null) {
            report.error("spec.action", "action CUSTOM needs 'provider: {name: ...}' naming the external authorizer; "
                    + "or use ALLOW, DENY or AUDIT");
        }
        if (spec.provider() != null) {
            if (action != Action.CUSTOM) {
                report.error("spec.provider", "provider is only used with 'action: CUSTOM', but the action is " + action
                        + "; remove provider or set action: CUSTOM");
            }
            if (spec.provider().name() == null || spec.provider().name().isBlank()) {
                report.error("spec.provider", "provider needs a non-empty name, one of the mesh's extension providers");
            }
        }
        if (spec.rules().isEmpty() && (action == Action.DENY || action == Action.AUDIT)) {
            report.warning("spec", "a " + action + " policy without rules never matches and has no effect; "
                    + "add rules, or write 'rules: [{}]' to match every request");
        }
        if (spec.rules().isEmpty() && action == Action.CUSTOM) {
            report.warning("spec", "a CUSTOM policy without rules never matches and has no effect; add rules");
        }
        for (int i = 0; i < spec.rules().size(); i++) {
            checkRule(spec.rules().get(i), "spec.rules[" + i + "]", report);
        }
    }

    private static void checkRule(Rule rule, String path, Report report) {
        for (int i = 0; i < rule.from().size(); i++) {
            String p = path + ".from[" + i + "]";
            Source s = rule.from().get(i).source();
            if (s == null || s.isEmpty()) {
                report.error(p, "a from entry needs a source with at least one field, e.g. "
                        + "'source: {principals: [\"cluster.local/ns/default/sa/sleep\"]}'; remove the entry to allow any source");
            } else {
                checkSource(s, p + ".source", report);
            }
        }
        for (int i = 0; i < rule.to().size(); i++) {
            String p = path + ".to[" + i + "]";
            Operation o = rule.to().get(i).operation();
            if (o == null || o.isEmpty()) {
                report.error(p, "a to entry needs an operation with at least one field, e.g. "
                        + "'operation: {methods: [\"GET\"]}'; remove the entry to allow any operation");
            } else {
                checkOperation(o, p + ".operation", report);
            }
        }
        for (int i = 0; i < rule.when().size(); i++) {
            checkCondition(rule.when().get(i), path + ".when[" + i + "]", report);
        }
    }

    private static void checkSource(Source s, String path, Report report) {
        each(s.principals(), path + ".principals", report, AuthorizationPolicyChecks::checkPrincipal);
        each(s.notPrincipals(), path + ".notPrincipals", report, AuthorizationPolicyChecks::checkPrincipal);
        each(s.requestPrincipals(), path + ".requestPrincipals", report, AuthorizationPolicyChecks::checkRequestPrincipal);
        each(s.notRequestPrincipals(), path + ".notRequestPrincipals", report, AuthorizationPolicyChecks::checkRequestPrincipal);
        each(s.namespaces(), path + ".namespaces", report, AuthorizationPolicyChecks::checkNamespace);
        each(s.notNamespaces(), path + ".notNamespaces", report, AuthorizationPolicyChecks::checkNamespace);
        each(s.serviceAccounts(), path + ".serviceAccounts", report, AuthorizationPolicyChecks::checkServiceAccount);
        each(s.notServiceAccounts(), path + ".notServiceAccounts", report, AuthorizationPolicyChecks::checkServiceAccount);
        each(s.ipBlocks(), path + ".ipBlocks", report, AuthorizationPolicyChecks::checkIpBlock);
        each(s.notIpBlocks(), path + ".notIpBlocks", report, AuthorizationPolicyChecks::checkIpBlock);
        each(s.remoteIpBlocks(), path + ".remoteIpBlocks", report, AuthorizationPolicyChecks::checkIpBlock);
        each(s.notRemoteIpBlocks(), path + ".notRemoteIpBlocks", report, AuthorizationPolicyChecks::checkIpBlock);
    }

    private static void checkOperation(Operation o, String path, Report report) {
        each(o.hosts(), path + ".hosts", report, AuthorizationPolicyChecks::checkMatchForm);
        each(o.notHosts(), path + ".notHosts", report, AuthorizationPolicyChecks::checkMatchForm);
        each(o.ports(), path + ".ports", report, AuthorizationPolicyChecks::checkPort);
        each(o.notPorts(), path + ".notPorts", report, AuthorizationPolicyChecks::checkPort);
        each(o.methods(), path + ".methods", report, AuthorizationPolicyChecks::checkMethod);
        each(o.notMethods(), path + ".notMethods", report, AuthorizationPolicyChecks::checkMethod);
        each(o.paths(), path + ".paths", report, AuthorizationPolicyChecks::checkPath);
        each(o.notPaths(), path + ".notPaths", report, AuthorizationPolicyChecks::checkPath);
    }

    private static void checkCondition(Condition c, String path, Report report) {
        if (c.values().isEmpty() && c.notValues().isEmpty()) {
            report.error(path, "a condition needs 'values' or 'notValues' (or both); with neither it can never be decided");
        }
        String key = c.key();
        if (key == null) return; // the binder reported the missing key
        if (key.equals("source.ip") || key.equals("remote.ip") || key.equals("destination.ip")) {
            eachValue(c, path, report, AuthorizationPolicyChecks::checkIpBlock);
        } else if (key.equals("destination.port")) {
            eachValue(c, path, report, AuthorizationPolicyChecks::checkPort);
        } else if (key.equals("source.principal")) {
            eachValue(c, path, report, AuthorizationPolicyChecks::checkPrincipal);
        } else if (key.equals("request.auth.principal")) {
            eachValue(c, path, report, AuthorizationPolicyChecks::checkRequestPrincipal);
        } else if (key.equals("source.namespace")) {
            eachValue(c, path, report, AuthorizationPolicyChecks::checkNamespace);
        } else if (PLAIN_CONDITION_KEYS.contains(key) || key.startsWith("experimental.envoy.filters.") || CLAIM_KEY.matcher(key).matches()) {
            eachValue(c, path, report, AuthorizationPolicyChecks::checkMatchForm);
        } else if (HEADER_KEY.matcher(key).matches()) {
            var m = HEADER_KEY.matcher(key);
            m.matches();
            String header = m.group(1);
            if (!TOKEN.matcher(header).matches()) {
                report.error(path + ".key", "'" + header + "' is not a valid header name in '" + key
                        + "'; write request.headers[NAME] with a header name such as x-user");
            }
            eachValue(c, path, report, AuthorizationPolicyChecks::checkMatchForm);
        } else {
            String hint = key.startsWith("request.auth.claims") ? "write request.auth.claims[NAME], nested claims as request.auth.claims[a][b]; "
                    : key.startsWith("request.headers") ? "write request.headers[NAME]; "
                    : "";
            report.error(path + ".key", "unsupported condition key '" + key + "'; " + hint + "supported keys: "
                    + String.join(", ", CONDITION_KEYS));
        }
    }

    private static void eachValue(Condition c, String path, Report report, BiConsumer<String, ValueReport> check) {
        each(c.values(), path + ".values", report, check);
        each(c.notValues(), path + ".notValues", report, check);
    }

    /** One value's check, told where the value stands. */
    record ValueReport(String path, Report report) {
        void error(String message) {
            report.error(path, message);
        }

        void warning(String message) {
            report.warning(path, message);
        }
    }

    private static void each(List<String> values, String path, Report report, BiConsumer<String, ValueReport> check) {
        for (int i = 0; i < values.size(); i++) {
            ValueReport vr = new ValueReport(path + "[" + i + "]", report);
            String v = values.get(i);
            if (v.isEmpty()) {
                vr.error("empty value; " + FORMS);
                continue;
            }
            check.accept(v, vr);
        }
    }

    /** Istio's match forms, with a precise error when a '*' stands elsewhere. */
    private static boolean checkMatchForm(String v, ValueReport r) {
        if (StringMatch.parse(v).isPresent()) return true;
        r.error("'" + v + "' has '*' in the middle; Istio matches only exact values, a prefix 'abc*', a suffix '*abc' or '*' (any value)");
        return false;
    }

    static void checkPrincipal(String v, ValueReport r) {
        if (v.startsWith(SpiffeId.SCHEME)) {
            r.error("'" + v + "' starts with spiffe://; principals are written without the scheme: '"
                    + v.substring(SpiffeId.SCHEME.length()) + "'");
            return;
        }
        if (StringMatch.parse(v).isEmpty()) {
            r.error("'" + v + "' has '*' in the middle; principals match exactly, by prefix 'x*', by suffix '*x' or '*' (any); "
                    + "for every service account of a namespace write 'TRUST_DOMAIN/ns/NAMESPACE/sa/*' or use namespaces");
            return;
        }
        if (v.startsWith("*") || v.endsWith("*")) return; // prefix, suffix or presence forms
        SpiffeId.principalProblem(v).ifPresent(p -> r.error(p.startsWith("'")
                ? p + ", or match part of one with '*' at the start or end"
                : "invalid principal '" + v + "': " + p));
    }

    private static void checkRequestPrincipal(String v, ValueReport r) {
        if (!checkMatchForm(v, r)) return;
        if (v.startsWith("*") || v.endsWith("*")) return;
        if (!v.contains("/")) {
            r.error("'" + v + "' is not a request principal; write ISSUER/SUBJECT as the JWT has them, "
                    + "e.g. https://accounts.example.com/user-1, or use a prefix/suffix form with '*'");
        }
    }

    private static void checkNamespace(String v, ValueReport r) {
        if (!checkMatchForm(v, r)) return;
        String bare = v.replace("*", "");
        if (!bare.isEmpty() && !bare.matches("[a-z0-9-]+")) {
            r.error("'" + v + "' is not a namespace name; namespaces are lowercase letters, digits and '-'");
        }
    }

    private static void checkServiceAccount(String v, ValueReport r) {
        if (v.contains("*")) {
            r.error("'" + v + "' has '*'; serviceAccounts take no wildcards: write NAMESPACE/NAME or NAME");
        } else if (!SERVICE_ACCOUNT.matcher(v).matches()) {
            r.error("'" + v + "' is not a service account; write NAMESPACE/NAME (e.g. default/sleep) or NAME for the policy's namespace");
        }
    }

    static void checkIpBlock(String v, ValueReport r) {
        try {
            IpBlock b = IpBlock.parse(v);
            if (b.hasHostBits()) {
                r.warning("'" + v + "' has bits set beyond its prefix; it matches the whole network " + b.network() + "; write that instead");
            }
        } catch (IpBlock.IpBlockFormatException e) {
            r.error(e.getMessage());
        }
    }

    static void checkPort(String v, ValueReport r) {
        if (!v.matches("[0-9]{1,5}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > 65535) {
            r.error("'" + v + "' is not a port; ports are numbers 1..65535, one per entry, without wildcards");
        }
    }

    private static void checkMethod(String v, ValueReport r) {
        if (!checkMatchForm(v, r)) return;
        if (v.equals("*")) return;
        String bare = v.replace("*", "");
        if (!TOKEN.matcher(bare).matches()) {
            r.error("'" + v + "' is not an HTTP method; use " + String.join(", ", HTTP_METHODS));
            return;
        }
        String upper = bare.toUpperCase(java.util.Locale.ROOT);
        if (!bare.equals(upper) && HTTP_METHODS.contains(upper)) {
            r.warning("'" + v + "' is lowercase, but methods match case-sensitively and requests send '" + upper
                    + "'; write '" + v.toUpperCase(java.util.Locale.ROOT) + "'");
        } else if (!v.contains("*") && !HTTP_METHODS.contains(v)) {
            r.warning("'" + v + "' is not a standard HTTP method (" + String.join(", ", HTTP_METHODS) + "); it matches only clients that send it");
        }
    }

    private static void checkPath(String v, ValueReport r) {
        if (v.contains("{*}") || v.contains("{**}")) {
            r.error("'" + v + "' uses a path template ({*} or {**}), which ficus does not support yet; "
                    + "use an exact path, a prefix '/api/*', a suffix '*/info' or '*'");
            return;
        }
        if (StringMatch.parse(v).isEmpty()) {
            r.error("'" + v + "' has '*' in the middle of the path; use an exact path '/api/users', a prefix '/api/*', "
                    + "a suffix '*/info' or '*' (any path)");
            return;
        }
        if (!v.startsWith("/") && !v.startsWith("*")) {
            r.error("'" + v + "' does not start with '/'; request paths do, e.g. '/" + v + "'");
        }
    }

    // ---- helpers shared by the security and telemetry checks ----

    /** The path of map entry {@code key} under {@code path}, as the binder records it. */
    static String key(String path, String key) {
        return PLAIN_KEY.matcher(key).matches() ? path + "." + key : path + "[\"" + key + "\"]";
    }

    /** Checks a workload selector's labels as Kubernetes and Istio accept them. */
    static void checkSelector(WorkloadSelector selector, String path, Report report) {
        if (selector == null) return;
        for (Map.Entry<String, String> e : selector.matchLabels().entrySet()) {
            String p = key(path + ".matchLabels", e.getKey());
            String k = e.getKey();
            if (k.contains("*") || e.getValue().contains("*")) {
                report.error(p, "selector labels take no wildcards; write the exact label, e.g. app: reviews");
                continue;
            }
            int slash = k.indexOf('/');
            String prefix = slash < 0 ? null : k.substring(0, slash);
            String name = slash < 0 ? k : k.substring(slash + 1);
            if ((prefix != null && (prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()))
                    || name.length() > 63 || !LABEL_NAME.matcher(name).matches()) {
                report.error(p, "'" + k + "' is not a label key; use [PREFIX/]NAME with NAME of up to 63 letters, digits, '-', '_' and '.', "
                        + "e.g. app or app.kubernetes.io/name");
            }
            String v = e.getValue();
            if (!v.isEmpty() && (v.length() > 63 || !LABEL_NAME.matcher(v).matches())) {
                report.error(p, "'" + v + "' is not a label value; use up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
            }
        }
    }

    /** True when {@code name} is a valid HTTP header name (an RFC 9110 token). */
    static boolean isHeaderName(String name) {
        return name != null && TOKEN.matcher(name).matches();
    }
}
