package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

import java.util.Map;

/**
 * A named set of a service's endpoints, selected by labels (typically a version); without labels,
 * as in Istio, every endpoint of the host. Its traffic policy overrides the rule's for traffic
 * routed to this subset.
 */
public record Subset(@Required String name, Map<String, String> labels, TrafficPolicy trafficPolicy) {
}
