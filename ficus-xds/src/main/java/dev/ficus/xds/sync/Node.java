package dev.ficus.xds.sync;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Who is asking: sent in the first request of every stream. A proxy serves either the named
 * WorkloadEntries ({@code workloads}, several in node mode) or, without any, an identity made of
 * {@code labels} in {@code namespace} (a gateway selected by {@code istio: ingressgateway}).
 *
 * @param id           unique per proxy process (host name and pid), shown by {@code ficus status}
 * @param outboundPort the port of the proxy's outbound listener; null: the control plane's
 *                     default (15001), -1: none (several proxies on one host each pick their own)
 */
public record Node(String id, List<String> workloads, String namespace, Map<String, String> labels, String ficusVersion,
                   Integer outboundPort) {
    public Node {
        Objects.requireNonNull(id, "id");
        workloads = workloads == null ? List.of() : List.copyOf(workloads);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        ficusVersion = ficusVersion == null ? "" : ficusVersion;
    }

    /** How this node reads in logs and {@code ficus status}. */
    public String describe() {
        String who = workloads.isEmpty() ? (namespace == null ? "default" : namespace) + "/" + labels
                : (namespace == null ? "" : namespace + "/") + String.join(",", workloads);
        return id + " (" + who + ")";
    }
}
