package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

import java.util.List;
import java.util.Map;

/**
 * DestinationRule spec: policies for traffic to {@code host} after routing — load balancing,
 * connection pool limits, outlier ejection, upstream TLS — and the named subsets routes refer to.
 *
 * @param host             service name; short names resolve against the rule's namespace
 * @param workloadSelector restricts the rule to the selected workloads of its namespace
 */
public record DestinationRule(
        @Required String host,
        TrafficPolicy trafficPolicy,
        List<Subset> subsets,
        List<String> exportTo,
        WorkloadSelector workloadSelector) {

    /** Label selector of the workloads (clients) this rule applies to. */
    public record WorkloadSelector(Map<String, String> matchLabels) {
    }

    /** The subset named {@code name}, if defined. */
    public java.util.Optional<Subset> subset(String name) {
        return subsets.stream().filter(s -> name.equals(s.name())).findFirst();
    }
}
