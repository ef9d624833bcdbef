package dev.ficus.control.graph;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Who calls whom over a window: what {@code GET /v1/graph} answers and {@code ficus graph}
 * prints. Nodes are workloads ({@code namespace/name}, or {@code unknown} for callers the mesh
 * could not name) and services (hosts); an edge goes from a caller workload to a service and, when
 * known, the workload that served it. Immutable.
 *
 * @param window  the window asked for; each edge says how long its counts really span
 * @param proxies every proxy the control plane knows, with how its last scrape went
 */
public record ServiceGraph(Duration window, Instant at, List<ProxyState> proxies, List<Node> nodes, List<Edge> edges) {
    public ServiceGraph {
        proxies = List.copyOf(proxies);
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }

    /** A node's kind: who runs code, what is called, or a caller nobody could name. */
    public enum NodeKind {
        WORKLOAD, SERVICE, UNKNOWN;

        public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** @param id {@code namespace/name} for a workload, the host for a service, {@code unknown} */
    public record Node(String id, NodeKind kind) {
        public Node {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(kind, "kind");
        }
    }

    /**
     * How the edge's traffic reached its destination, from the destination's own account
     * ({@code connection_security_policy} of the destination reporter).
     */
    public enum Security {
        MUTUAL_TLS("mutual_tls"),
        PLAINTEXT("plaintext"),
        /** Some requests over mTLS and some without: a PERMISSIVE port mid-migration. */
        MIXED("mixed"),
        /** Only the caller's proxy saw the edge and the destination named no workload: it has no proxy. */
        UNKNOWN_NOT_MESHED("unknown (destination not meshed)"),
        /** Only the caller's proxy saw the edge, but a meshed workload answered: its proxy was not read. */
        UNKNOWN_NOT_SCRAPED("unknown (destination not scraped)"),
        UNKNOWN("unknown");

        private final String label;

        Security(String label) { this.label = label; }

        public String label() { return label; }
    }

    /**
     * One caller → destination pair over the window.
     *
     * @param destination   the workload that served it; {@link Workload#UNKNOWN} when not known
     * @param service       the host called ({@code destination_service}), or {@code unknown}
     * @param reporter      whose counts these are: the destination's when it reported the edge (as Kiali prefers), else the source's
     * @param requests      requests in the window (TCP: 0)
     * @param rps           requests per second
     * @param errorRate     share of requests answered 5xx (gRPC: or not OK), 0..1 (0 without requests)
     * @param flaggedRate   share of requests with an Envoy response flag (the proxy shaped the outcome)
     * @param p50Ms         median duration in ms from the histogram; NaN without requests
     * @param p99Ms         99th percentile in ms; NaN without requests
     * @param mtlsShare     share of requests (TCP: connections) over mTLS among those whose security is known; NaN when none is
     * @param spanSeconds   how long the counts really span (the reporter's two samples)
     */
    public record Edge(Workload source, Workload destination, String service, EdgeKey.Protocol protocol, EdgeKey.Reporter reporter,
                       long requests, double rps, long serverErrors, double errorRate, long flagged, double flaggedRate,
                       double p50Ms, double p99Ms, Security security, double mtlsShare,
                       long tcpConnections, long tcpSentBytes, long tcpReceivedBytes, double tcpBytesPerSecond, double spanSeconds) {
        public Edge {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(reporter, "reporter");
            Objects.requireNonNull(security, "security");
        }
    }

    /**
     * A proxy as the graph read it.
     *
     * @param admin       the address scraped ({@code host:port}), or null when the proxy announced none
     * @param samples     how many scrapes the history holds (rates need two)
     * @param lastScrape  when the last successful scrape arrived; null: none yet
     * @param spanSeconds what this proxy's counts span in this graph; 0 when it has no window yet
     * @param error       why the last scrape failed (the graph still answers with the other proxies); null when it worked
     */
    public record ProxyState(String id, List<String> workloads, String namespace, String admin, int samples, Instant lastScrape,
                             double spanSeconds, String error) {
        public ProxyState {
            Objects.requireNonNull(id, "id");
            workloads = List.copyOf(workloads);
        }
    }
}
