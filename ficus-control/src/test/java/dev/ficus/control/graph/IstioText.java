package dev.ficus.control.graph;

import java.util.Locale;

/**
 * Writes Istio metrics text as a ficus proxy exports it (label names and order of its
 * {@code IstioMetrics}, Envoy's default duration buckets), for crafted scrapes in tests.
 */
final class IstioText {
    static final double[] BOUNDS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000};

    private final StringBuilder requests = new StringBuilder("# HELP istio_requests_total Requests served.\n# TYPE istio_requests_total counter\n");
    private final StringBuilder durations = new StringBuilder("# TYPE istio_request_duration_milliseconds histogram\n");
    private final StringBuilder tcp = new StringBuilder("# TYPE istio_tcp_connections_opened_total counter\n");

    /** One edge's labels, as one reporter sees it. */
    record Edge(String reporter, String source, String destination, String service) {
        String labels(String protocol, int code, String flags, String security) {
            String[] s = split(source), d = split(destination);
            return String.format(Locale.ROOT, "reporter=\"%s\",source_workload=\"%s\",source_canonical_service=\"%s\",source_canonical_revision=\"latest\","
                            + "source_workload_namespace=\"%s\",source_principal=\"unknown\",source_app=\"%s\",source_version=\"unknown\",source_cluster=\"ficus\","
                            + "destination_workload=\"%s\",destination_workload_namespace=\"%s\",destination_principal=\"unknown\",destination_app=\"%s\","
                            + "destination_version=\"unknown\",destination_service=\"%s\",destination_service_name=\"x\",destination_service_namespace=\"%s\","
                            + "destination_canonical_service=\"%s\",destination_canonical_revision=\"latest\",destination_cluster=\"ficus\",request_protocol=\"%s\""
                            + (code >= 0 ? ",response_code=\"%d\",grpc_response_status=\"\"" : "%s") + ",response_flags=\"%s\",connection_security_policy=\"%s\"",
                    reporter, s[1], s[1], s[0], s[1], d[1], d[0], d[1], service, d[0], d[1], protocol, code >= 0 ? code : "", flags, security);
        }

        private static String[] split(String id) {
            if (id.equals("unknown")) return new String[] {"unknown", "unknown"};
            return id.split("/", 2);
        }
    }

    static Edge source(String from, String to, String service) { return new Edge("source", from, to, service); }

    static Edge destination(String from, String to, String service) { return new Edge("destination", from, to, service); }

    /** {@code count} requests answered {@code code} with {@code flags}, and their durations' cumulative buckets. */
    IstioText http(Edge e, int code, String flags, String security, long count, long... cumulative) {
        String l = e.labels("http", code, flags, security);
        requests.append("istio_requests_total{").append(l).append("} ").append(count).append('\n');
        if (cumulative.length > 0) {
            if (cumulative.length != BOUNDS.length + 1) throw new IllegalArgumentException("want " + (BOUNDS.length + 1) + " buckets");
            for (int i = 0; i < BOUNDS.length; i++) {
                double b = BOUNDS[i];
                String le = b == Math.rint(b) ? Long.toString((long) b) : Double.toString(b);
                durations.append("istio_request_duration_milliseconds_bucket{").append(l).append(",le=\"").append(le).append("\"} ").append(cumulative[i]).append('\n');
            }
            durations.append("istio_request_duration_milliseconds_bucket{").append(l).append(",le=\"+Inf\"} ").append(cumulative[BOUNDS.length]).append('\n');
            durations.append("istio_request_duration_milliseconds_sum{").append(l).append("} 12.5\n");
            durations.append("istio_request_duration_milliseconds_count{").append(l).append("} ").append(cumulative[BOUNDS.length]).append('\n');
        }
        return this;
    }

    /** {@code count} gRPC requests answered HTTP {@code code} with {@code grpcStatus} in the trailers. */
    IstioText grpc(Edge e, int code, int grpcStatus, long count) {
        String l = e.labels("grpc", code, "-", "mutual_tls").replace("grpc_response_status=\"\"", "grpc_response_status=\"" + grpcStatus + "\"");
        requests.append("istio_requests_total{").append(l).append("} ").append(count).append('\n');
        return this;
    }

    /** TCP counters of an edge. */
    IstioText tcp(Edge e, String security, long opened, long sent, long received) {
        String l = e.labels("tcp", -1, "-", security);
        tcp.append("istio_tcp_connections_opened_total{").append(l).append("} ").append(opened).append('\n');
        tcp.append("istio_tcp_connections_closed_total{").append(l).append("} ").append(opened).append('\n');
        tcp.append("istio_tcp_sent_bytes_total{").append(l).append("} ").append(sent).append('\n');
        tcp.append("istio_tcp_received_bytes_total{").append(l).append("} ").append(received).append('\n');
        return this;
    }

    /**
     * Cumulative buckets with {@code n} observations all in the bucket whose upper bound is
     * {@code le} (Double.POSITIVE_INFINITY for the last).
     */
    static long[] all(long n, double le) {
        long[] c = new long[BOUNDS.length + 1];
        for (int i = 0; i <= BOUNDS.length; i++) c[i] = (i == BOUNDS.length || BOUNDS[i] >= le) ? n : 0;
        return c;
    }

    /** Adds two cumulative bucket arrays. */
    static long[] plus(long[] a, long[] b) {
        long[] c = new long[a.length];
        for (int i = 0; i < a.length; i++) c[i] = a[i] + b[i];
        return c;
    }

    String text() {
        return "# HELP ficus_listener_requests_total Requests received.\n# TYPE ficus_listener_requests_total counter\n"
                + "ficus_listener_requests_total{listener=\"inbound\"} 3\n" + requests + durations + tcp;
    }
}
