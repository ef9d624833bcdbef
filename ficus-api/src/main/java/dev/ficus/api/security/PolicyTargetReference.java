package dev.ficus.api.security;

import dev.ficus.api.bind.Required;

/**
 * Istio's {@code istio.type.v1beta1.PolicyTargetReference}: attaches a policy to a Kubernetes
 * Gateway API resource (a Gateway, a Service or a ServiceEntry) instead of selecting workloads by
 * label. ficus keeps it so that such configs load, but does not act on it (see the fields that use it).
 */
public record PolicyTargetReference(
        String group,
        @Required String kind,
        @Required String name,
        String namespace) {
}
