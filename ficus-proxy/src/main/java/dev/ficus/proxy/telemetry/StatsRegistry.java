package dev.ficus.proxy.telemetry;

import dev.ficus.proxy.http.ResponseFlag;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * All listener and cluster counters of one proxy, and their Prometheus text exposition. Lookups
 * happen when a connection opens or a snapshot is installed, not per request.
 */
public final class StatsRegistry {
    private final ConcurrentHashMap<String, TrafficStats> listeners = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, TrafficStats> clusters = new ConcurrentHashMap<>();
    private final IstioMetrics istio = new IstioMetrics();
    private final List<Consumer<StringBuilder>> extra = new CopyOnWriteArrayList<>();

    /** Istio's standard metrics of this proxy. */
    public IstioMetrics istio() { return istio; }

    public TrafficStats listener(String name) { return listeners.computeIfAbsent(name, TrafficStats::new); }

    public TrafficStats cluster(String name) { return clusters.computeIfAbsent(name, TrafficStats::new); }

    /** Adds a writer of more series to {@link #prometheus} (the access log's counters, for one); off the request path. */
    public void register(Consumer<StringBuilder> writer) { extra.add(writer); }

    /** Writes every counter in the Prometheus text format (version 0.0.4). */
    public String prometheus() {
        StringBuilder b = new StringBuilder(4096);
        Map<String, TrafficStats> byListener = new TreeMap<>(listeners);
        write(b, "listener", byListener, "downstream connections");
        b.append("# HELP ficus_listener_authz_total Requests and TCP connections decided by AuthorizationPolicies, by result (audited counts AUDIT matches besides).\n")
                .append("# TYPE ficus_listener_authz_total counter\n");
        byListener.forEach((n, s) -> {
            line(b, "ficus_listener_authz_total", "listener", n, "result", "allowed", s.authzAllowed());
            line(b, "ficus_listener_authz_total", "listener", n, "result", "denied", s.authzDenied());
            line(b, "ficus_listener_authz_total", "listener", n, "result", "audited", s.authzAudited());
        });
        b.append("# HELP ficus_listener_tls_handshakes_total TLS handshakes of listeners that terminate TLS with their own certificates (Gateway HTTPS), by result.\n")
                .append("# TYPE ficus_listener_tls_handshakes_total counter\n");
        byListener.forEach((n, s) -> {
            long[] tls = s.tlsHandshakes();
            if (tls[0] + tls[1] + tls[2] == 0) return;
            line(b, "ficus_listener_tls_handshakes_total", "listener", n, "result", "accepted", tls[0]);
            line(b, "ficus_listener_tls_handshakes_total", "listener", n, "result", "failed", tls[1]);
            line(b, "ficus_listener_tls_handshakes_total", "listener", n, "result", "refused", tls[2]);
        });
        Map<String, TrafficStats> sorted = new TreeMap<>(clusters);
        write(b, "cluster", sorted, "upstream connections");
        b.append("# HELP ficus_cluster_outlier_ejections_active Endpoints outlier detection keeps out of load balancing now.\n# TYPE ficus_cluster_outlier_ejections_active gauge\n");
        sorted.forEach((n, s) -> line(b, "ficus_cluster_outlier_ejections_active", "cluster", n, null, null, s.ejectionsActive()));
        b.append("# HELP ficus_cluster_outlier_ejections_total Ejections by outlier detection.\n# TYPE ficus_cluster_outlier_ejections_total counter\n");
        sorted.forEach((n, s) -> line(b, "ficus_cluster_outlier_ejections_total", "cluster", n, null, null, s.ejectionsTotal()));
        b.append("# HELP ficus_cluster_retries_total Retry attempts sent to the cluster (Envoy's upstream_rq_retry).\n# TYPE ficus_cluster_retries_total counter\n");
        sorted.forEach((n, s) -> line(b, "ficus_cluster_retries_total", "cluster", n, null, null, s.retries()));
        b.append("# HELP ficus_cluster_mirror_skipped_total Mirror copies not sent to the cluster: the request body was larger than the 64 KiB kept for a copy.\n")
                .append("# TYPE ficus_cluster_mirror_skipped_total counter\n");
        sorted.forEach((n, s) -> {
            if (s.mirrorsSkipped() > 0) line(b, "ficus_cluster_mirror_skipped_total", "cluster", n, null, null, s.mirrorsSkipped());
        });
        b.append("# HELP ficus_cluster_circuit_breaker_in_use What the cluster's circuit breakers count now (limits: DestinationRule connectionPool).\n")
                .append("# TYPE ficus_cluster_circuit_breaker_in_use gauge\n");
        String[] resources = {"connections", "pending_requests", "requests", "retries"};
        sorted.forEach((n, s) -> {
            int[] counts = s.breakerCounts();
            if (counts == null) return;
            for (int i = 0; i < counts.length; i++) line(b, "ficus_cluster_circuit_breaker_in_use", "cluster", n, "resource", resources[i], counts[i]);
        });
        b.append("# HELP ficus_telemetry_failures_total Exchanges whose telemetry failed (the exchange itself went on).\n# TYPE ficus_telemetry_failures_total counter\n")
                .append("ficus_telemetry_failures_total ").append(ListenerTelemetry.failures()).append('\n');
        istio.prometheus(b);
        for (Consumer<StringBuilder> w : extra) w.accept(b);
        return b.toString();
    }

    private static void write(StringBuilder b, String kind, Map<String, TrafficStats> all, String cx) {
        String p = "ficus_" + kind + "_";
        b.append("# HELP ").append(p).append("requests_total Requests received.\n# TYPE ").append(p).append("requests_total counter\n");
        all.forEach((n, s) -> line(b, p + "requests_total", kind, n, null, null, s.requests()));
        b.append("# HELP ").append(p).append("responses_total Responses by status class (none = closed without a response).\n# TYPE ").append(p).append("responses_total counter\n");
        all.forEach((n, s) -> {
            for (int c = 1; c <= 5; c++) line(b, p + "responses_total", kind, n, "class", c + "xx", s.responses(c));
            line(b, p + "responses_total", kind, n, "class", "none", s.responses(0));
        });
        b.append("# HELP ").append(p).append("response_flags_total Exchanges the proxy shaped, by Envoy response flag.\n# TYPE ").append(p).append("response_flags_total counter\n");
        all.forEach((n, s) -> {
            for (ResponseFlag f : ResponseFlag.values()) line(b, p + "response_flags_total", kind, n, "flag", f.name(), s.responses(f));
        });
        b.append("# HELP ").append(p).append("connections_active Open ").append(cx).append(".\n# TYPE ").append(p).append("connections_active gauge\n");
        all.forEach((n, s) -> line(b, p + "connections_active", kind, n, null, null, s.connectionsActive()));
        b.append("# HELP ").append(p).append("connections_total Opened ").append(cx).append(".\n# TYPE ").append(p).append("connections_total counter\n");
        all.forEach((n, s) -> line(b, p + "connections_total", kind, n, null, null, s.connectionsTotal()));
    }

    private static void line(StringBuilder b, String metric, String kind, String name, String label, String value, long v) {
        b.append(metric).append('{').append(kind).append("=\"");
        escape(b, name);
        b.append('"');
        if (label != null) b.append(',').append(label).append("=\"").append(value).append('"');
        b.append("} ").append(v).append('\n');
    }

    private static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '"') b.append('\\').append(c);
            else if (c == '\n') b.append("\\n");
            else b.append(c);
        }
    }
}
