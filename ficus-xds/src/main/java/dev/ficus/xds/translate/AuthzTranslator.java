package dev.ficus.xds.translate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.AuthorizationPolicy;
import dev.ficus.api.security.Condition;
import dev.ficus.api.security.Operation;
import dev.ficus.api.security.Rule;
import dev.ficus.api.security.Source;
import dev.ficus.api.security.WorkloadSelector;
import dev.ficus.xds.snapshot.AuthzPolicies;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles the AuthorizationPolicies that select a proxy into {@link AuthzPolicies}: those of
 * Istio's root namespace ({@link Translator#ROOT_NAMESPACE}, mesh-wide) and those of the proxy's
 * namespace, each when its selector matches the proxy's labels or it has none. The translator
 * attaches the result to inbound and gateway listeners only: Istio enforces on the server side.
 *
 * <p>What the proxy cannot enforce never widens access, the way Istio treats a rule it cannot
 * express: in an ALLOW policy the whole rule is dropped (it never matches, and a policy left
 * without rules allows nothing); in a DENY or AUDIT policy only the field or condition is
 * dropped, so the rule matches more requests. That covers {@code serviceAccounts},
 * {@code notServiceAccounts} and {@code when} keys other than the proxy's
 * ({@code experimental.envoy.filters.*}). A CUSTOM policy, whose external authorizer ficus does
 * not call yet, becomes a DENY policy with the same rules (Istio does the same when the provider
 * is missing). Each of these is a note with its file, line and field path.
 */
final class AuthzTranslator {
    /** Where a translation note goes: the resource, its field path, the message. */
    interface Notes {
        void note(Resource<?> r, String path, String message);
    }

    private AuthzTranslator() {}

    static AuthzPolicies forProxy(ConfigSet config, ProxyIdentity who, Notes notes) {
        List<AuthzPolicies.Policy> out = new ArrayList<>();
        for (Resource<AuthorizationPolicy> r : config.all(Kind.AUTHORIZATION_POLICY, AuthorizationPolicy.class)) {
            if (!r.namespace().equals(Translator.ROOT_NAMESPACE) && !r.namespace().equals(who.namespace())) continue;
            AuthorizationPolicy spec = r.spec();
            if (spec.targetRef() != null || !spec.targetRefs().isEmpty()) {
                notes.note(r, spec.targetRef() != null ? "spec.targetRef" : "spec.targetRefs",
                        "policies attached with targetRef are not applied by the proxy; use selector");
                continue;
            }
            if (!WorkloadSelector.isNamespaceWide(spec.selector()) && !spec.selector().matches(who.labels())) continue;
            out.add(policy(r, notes));
        }
        return out.isEmpty() ? AuthzPolicies.NONE : new AuthzPolicies(out);
    }

    private static AuthzPolicies.Policy policy(Resource<AuthorizationPolicy> r, Notes notes) {
        AuthorizationPolicy spec = r.spec();
        AuthzPolicies.Action action = switch (spec.actionOrDefault()) {
            case ALLOW -> AuthzPolicies.Action.ALLOW;
            case DENY -> AuthzPolicies.Action.DENY;
            case AUDIT -> AuthzPolicies.Action.AUDIT;
            case CUSTOM -> {
                notes.note(r, "spec.action", "CUSTOM policies are enforced as DENY until ficus calls external authorizers: "
                        + "requests matching its rules are denied");
                yield AuthzPolicies.Action.DENY;
            }
        };
        boolean allow = action == AuthzPolicies.Action.ALLOW;
        List<AuthzPolicies.Rule> rules = new ArrayList<>();
        for (int i = 0; i < spec.rules().size(); i++) {
            AuthzPolicies.Rule rule = rule(r, spec.rules().get(i), "spec.rules[" + i + "]", allow, notes);
            if (rule != null) rules.add(rule);
        }
        return new AuthzPolicies.Policy(r.namespace() + "/" + r.name(), action, rules);
    }

    /** The rule, or null when it is an ALLOW rule the proxy cannot enforce (it then never matches). */
    private static AuthzPolicies.Rule rule(Resource<?> r, Rule rule, String path, boolean allow, Notes notes) {
        List<AuthzPolicies.Source> from = new ArrayList<>();
        for (int i = 0; i < rule.from().size(); i++) {
            Source s = rule.from().get(i).source();
            if (s == null) continue;
            String p = path + ".from[" + i + "].source";
            if (!s.serviceAccounts().isEmpty() || !s.notServiceAccounts().isEmpty()) {
                String field = p + (s.serviceAccounts().isEmpty() ? ".notServiceAccounts" : ".serviceAccounts");
                if (allow) {
                    notes.note(r, field, "serviceAccounts are not enforced yet; this ALLOW rule never matches (write principals instead)");
                    return null;
                }
                notes.note(r, field, "serviceAccounts are not enforced yet; the field is ignored, so this rule matches more requests (write principals instead)");
            }
            from.add(new AuthzPolicies.Source(s.principals(), s.notPrincipals(), s.requestPrincipals(), s.notRequestPrincipals(),
                    s.namespaces(), s.notNamespaces(), s.ipBlocks(), s.notIpBlocks(), s.remoteIpBlocks(), s.notRemoteIpBlocks()));
        }
        List<AuthzPolicies.Operation> to = new ArrayList<>();
        for (Rule.To t : rule.to()) {
            Operation o = t.operation();
            if (o == null) continue;
            to.add(new AuthzPolicies.Operation(o.hosts(), o.notHosts(), ports(o.ports()), ports(o.notPorts()),
                    o.methods(), o.notMethods(), o.paths(), o.notPaths()));
        }
        List<AuthzPolicies.Condition> when = new ArrayList<>();
        for (int i = 0; i < rule.when().size(); i++) {
            Condition c = rule.when().get(i);
            if (c.key() != null && AuthzPolicies.isKnownConditionKey(c.key())) {
                when.add(new AuthzPolicies.Condition(c.key(), c.values(), c.notValues()));
                continue;
            }
            String p = path + ".when[" + i + "].key";
            if (allow) {
                notes.note(r, p, "the proxy does not evaluate '" + c.key() + "'; this ALLOW rule never matches");
                return null;
            }
            notes.note(r, p, "the proxy does not evaluate '" + c.key() + "'; the condition is ignored, so this rule matches more requests");
        }
        return new AuthzPolicies.Rule(from, to, when);
    }

    private static List<Integer> ports(List<String> ports) {
        List<Integer> out = new ArrayList<>(ports.size());
        for (String p : ports) out.add(Integer.parseInt(p));
        return out;
    }
}
