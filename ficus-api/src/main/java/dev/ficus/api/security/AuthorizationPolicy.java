package dev.ficus.api.security;

import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Unsupported;

import java.util.List;

/**
 * Istio's AuthorizationPolicy (security.istio.io/v1): access control at a workload's inbound side.
 * The proxy's {@code authz} stage evaluates, per request, CUSTOM policies first, then DENY, then
 * ALLOW; AUDIT policies only mark the request for the access log.
 *
 * <p>Empty rule lists, as Istio defines them: a policy matches a request when <em>any</em> rule
 * matches, so with no rules it never matches. An ALLOW policy without rules therefore allows
 * nothing (Istio's "allow-nothing" idiom: once any ALLOW policy selects a workload, requests that
 * match none are denied); a DENY or AUDIT policy without rules has no effect. A rule with no
 * {@code from}, {@code to} and {@code when} ({@code rules: [{}]}) matches every request: ALLOW
 * allows all, DENY denies all.
 */
@OneOf({"selector", "targetRef", "targetRefs"})
public record AuthorizationPolicy(
        WorkloadSelector selector,
        @Unsupported("targetRef needs the Kubernetes Gateway API; use selector") PolicyTargetReference targetRef,
        @Unsupported("targetRefs needs the Kubernetes Gateway API; use selector") List<PolicyTargetReference> targetRefs,
        List<Rule> rules,
        Action action,
        @Unsupported("the CUSTOM action's external authorizer is not implemented in ficus yet") ExtensionProvider provider) {

    /** Istio's {@code AuthorizationPolicy.Action}. */
    public enum Action {
        /** Allow a request only if it matches a rule (the default). */
        ALLOW,
        /** Deny a request if it matches any rule. */
        DENY,
        /** Mark a matching request for auditing; does not change allow or deny. */
        AUDIT,
        /** Delegate the decision for matching requests to the named extension provider. */
        CUSTOM
    }

    /** Istio's {@code AuthorizationPolicy.ExtensionProvider}: a provider declared in the mesh config. */
    public record ExtensionProvider(String name) {
    }

    /** The action, ALLOW when unset (Istio's default). */
    public Action actionOrDefault() {
        return action == null ? Action.ALLOW : action;
    }

    /** True when the policy can never match (no rules): see the class comment for what that means per action. */
    public boolean matchesNothing() {
        return rules.isEmpty();
    }
}
