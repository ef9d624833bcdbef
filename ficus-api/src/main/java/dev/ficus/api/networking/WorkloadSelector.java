package dev.ficus.api.networking;

import java.util.Map;

/** Selects workloads (pods, VMs, WorkloadEntries) of the same namespace by labels. */
public record WorkloadSelector(Map<String, String> labels) {

    /** Whether {@code workloadLabels} carry every label of this selector. */
    public boolean matches(Map<String, String> workloadLabels) {
        return workloadLabels.entrySet().containsAll(labels.entrySet());
    }
}
