package dev.ficus.api.telemetry;

import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Unsupported;
import dev.ficus.api.security.PolicyTargetReference;
import dev.ficus.api.security.WorkloadSelector;

import java.util.List;

/**
 * Istio's Telemetry (telemetry.istio.io/v1): how the selected workloads trace, count and log.
 * Settings merge from the root namespace (mesh), then the namespace, then the workload; the most
 * specific one wins per field. Istio allows one selector-less Telemetry per namespace.
 */
@OneOf({"selector", "targetRef", "targetRefs"})
public record Telemetry(
        WorkloadSelector selector,
        @Unsupported("targetRef needs the Kubernetes Gateway API; use selector") PolicyTargetReference targetRef,
        @Unsupported("targetRefs needs the Kubernetes Gateway API; use selector") List<PolicyTargetReference> targetRefs,
        List<Tracing> tracing,
        List<Metrics> metrics,
        List<AccessLogging> accessLogging) {

    /** True when the resource has no selector (or an empty one): it covers its whole namespace. */
    public boolean isNamespaceWide() {
        return WorkloadSelector.isNamespaceWide(selector);
    }
}
