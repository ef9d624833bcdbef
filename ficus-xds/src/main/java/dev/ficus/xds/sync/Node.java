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
 * @param adminPort    where the proxy's admin server listens (on the address its stream comes
 *                     from), so that the control plane can read its {@code /stats/prometheus}; null:
 *                     not announced (no admin server, or a proxy older than this field)
 */
public record Node(String id, List<String> workloads, String namespace, Map<String, String> labels, String ficusVersion,
                   Integer outboundPort, Integer adminPort) {
    public Node {
        Objects.requireNonNull(id, "id");
        workloads = workloads == null ? List.of() : List.copyOf(workloads);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        ficusVersion = ficusVersion == null ? "" : ficusVersion;
        if (adminPort != null && (adminPort < 1 || adminPort > 65535)) adminPort = null; // from the wire: not a port, not announced
    }

    /** A node that announces no admin port. */
    public Node(String id, List<String> workloads, String namespace, Map<String, String> labels, String ficusVersion, Integer outboundPort) {
        this(id, workloads, namespace, labels, ficusVersion, outboundPort, null);
    }

    /** How this node reads in logs and {@code ficus status}. */
    public String describe() {
        String who = workloads.isEmpty() ? (namespace == null ? "default" : namespace) + "/" + labels
                : (namespace == null ? "" : namespace + "/") + String.join(",", workloads);
        return id + " (" + who + ")";
    }
}
