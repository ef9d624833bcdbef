package dev.ficus.api.networking;

import java.util.List;
import java.util.Map;

/**
 * Locality-aware balancing: distribute traffic by weight across {@code region/zone/sub-zone}
 * localities, or restrict failover between regions, or order endpoints by matching labels.
 * Only one of distribute, failover and failoverPriority may be set.
 */
public record LocalityLoadBalancerSetting(
        List<Distribute> distribute,
        List<Failover> failover,
        List<String> failoverPriority,
        Boolean enabled) {

    /** Traffic from locality {@code from} goes to the {@code to} localities by weight (sum 100). */
    public record Distribute(String from, Map<String, Integer> to) {
    }

    /** When region {@code from} has no healthy endpoint, fail over to region {@code to}. */
    public record Failover(String from, String to) {
    }
}
