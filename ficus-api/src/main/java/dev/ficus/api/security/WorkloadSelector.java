package dev.ficus.api.security;

import java.util.Map;

/**
 * Istio's {@code istio.type.v1beta1.WorkloadSelector}: the workloads (by label) a policy applies to.
 * Shared by the security and telemetry kinds. An absent selector, or one with no labels, selects
 * every workload of the policy's namespace (of the whole mesh in the root namespace).
 */
public record WorkloadSelector(Map<String, String> matchLabels) {

    /** Whether the workload carrying {@code labels} is selected: every selector label must match. */
    public boolean matches(Map<String, String> labels) {
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) return false;
        }
        return true;
    }

    /** True when {@code selector} is absent or empty: the policy covers its whole namespace. */
    public static boolean isNamespaceWide(WorkloadSelector selector) {
        return selector == null || selector.matchLabels().isEmpty();
    }
}
