package dev.ficus.api.security;

import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Unsupported;

import java.util.List;

/**
 * Istio's RequestAuthentication (security.istio.io/v1): which JWTs a workload accepts. The proxy's
 * {@code jwt} stage rejects a request carrying an invalid token (401); a request without a token
 * passes with no request principal, so a policy that requires one pairs this with an
 * AuthorizationPolicy on {@code requestPrincipals}.
 */
@OneOf({"selector", "targetRef", "targetRefs"})
public record RequestAuthentication(
        WorkloadSelector selector,
        @Unsupported("targetRef needs the Kubernetes Gateway API; use selector") PolicyTargetReference targetRef,
        @Unsupported("targetRefs needs the Kubernetes Gateway API; use selector") List<PolicyTargetReference> targetRefs,
        List<JWTRule> jwtRules) {
}
