package dev.ficus.control.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What one scrape of one proxy says about its edges: Istio's series reduced to one
 * {@link EdgeCounters} per {@link EdgeKey}, stamped with the control plane's clock (the text
 * carries no timestamps). The text itself is dropped: a sample of an idle proxy costs a few
 * hundred bytes per edge.
 *
 * @param atNanos when the response arrived, on the scraper's monotonic clock
 * @param bounds  the request-duration histogram's upper bounds in ms, ending with +Inf (empty: none seen)
 */
public record ProxySample(long atNanos, double[] bounds, Map<EdgeKey, EdgeCounters> edges) {
    static final String REQUESTS = "istio_requests_total";
    static final String DURATION_BUCKET = "istio_request_duration_milliseconds_bucket";
    static final String TCP_OPENED = "istio_tcp_connections_opened_total";
    static final String TCP_SENT = "istio_tcp_sent_bytes_total";
    static final String TCP_RECEIVED = "istio_tcp_received_bytes_total";
    /** The metrics the graph reads; {@link PrometheusText} skips the others' labels. */
    static final Set<String> METRICS = Set.of(REQUESTS, DURATION_BUCKET, TCP_OPENED, TCP_SENT, TCP_RECEIVED);

    /** The text holds Istio series the graph cannot use; the message says which and why. */
    public static final class InvalidMetricsException extends Exception {
        InvalidMetricsException(String message) { super(message); }
    }

    public ProxySample {
        bounds = bounds.clone();
        edges = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(edges));
    }

    @Override
    public double[] bounds() { return bounds.clone(); }

    /** Parses a proxy's {@code /stats/prometheus} text and reduces it. */
    public static ProxySample parse(String text, long atNanos) throws PrometheusText.FormatException, InvalidMetricsException {
        return of(PrometheusText.parse(text, METRICS::contains), atNanos);
    }

    /** Reduces samples (those of other metrics are ignored). */
    static ProxySample of(List<PrometheusText.Sample> samples, long atNanos) throws InvalidMetricsException {
        Map<EdgeKey, long[]> counts = new HashMap<>(); // requests, 5xx, flagged, mtls, plaintext, opened, sent, received, unanswered, of them 5xx
        Map<EdgeKey, TreeMap<Double, Long>> buckets = new HashMap<>();
        Map<Map<String, String>, TreeMap<Double, Long>> series = new HashMap<>(); // one histogram series, to check it
        for (PrometheusText.Sample s : samples) {
            switch (s.name()) {
                case REQUESTS -> {
                    long v = count(s);
                    EdgeKey k = key(s, httpProtocol(s));
                    long[] c = counts.computeIfAbsent(k, x -> new long[10]);
                    c[0] += v;
                    boolean error = isError(s, k.protocol());
                    if (error) c[1] += v;
                    String flags = s.label("response_flags", "-");
                    if (!flags.equals("-")) c[2] += v;
                    if (k.reporter() == EdgeKey.Reporter.SOURCE && EdgeCounters.UNANSWERED_FLAGS.contains(flags)) {
                        c[8] += v;
                        if (error) c[9] += v;
                    }
                    security(s, c, v);
                }
                case DURATION_BUCKET -> {
                    String le = s.labels().get("le");
                    if (le == null) throw invalid(s, "a histogram bucket without an 'le' label");
                    double bound = bound(s, le);
                    Map<String, String> rest = new LinkedHashMap<>(s.labels());
                    rest.remove("le");
                    if (series.computeIfAbsent(rest, k -> new TreeMap<>()).put(bound, count(s)) != null) {
                        throw invalid(s, "the bucket le=\"" + le + "\" appears twice in one series");
                    }
                    buckets.computeIfAbsent(key(s, httpProtocol(s)), k -> new TreeMap<>()).merge(bound, count(s), Long::sum);
                }
                case TCP_OPENED -> {
                    long v = count(s);
                    long[] c = counts.computeIfAbsent(key(s, EdgeKey.Protocol.TCP), k -> new long[10]);
                    c[5] += v;
                    security(s, c, v);
                }
                case TCP_SENT -> counts.computeIfAbsent(key(s, EdgeKey.Protocol.TCP), k -> new long[10])[6] += count(s);
                case TCP_RECEIVED -> counts.computeIfAbsent(key(s, EdgeKey.Protocol.TCP), k -> new long[10])[7] += count(s);
                default -> { }
            }
        }
        double[] bounds = checkHistograms(series);
        Map<EdgeKey, EdgeCounters> edges = new LinkedHashMap<>();
        List<EdgeKey> keys = new ArrayList<>(counts.keySet());
        for (EdgeKey k : buckets.keySet()) if (!counts.containsKey(k)) keys.add(k);
        for (EdgeKey k : keys) {
            long[] c = counts.getOrDefault(k, new long[10]);
            TreeMap<Double, Long> b = buckets.get(k);
            long[] cumulative = b == null ? new long[0] : b.values().stream().mapToLong(Long::longValue).toArray();
            edges.put(k, new EdgeCounters(c[0], c[1], c[2], c[3], c[4], cumulative, c[5], c[6], c[7], c[8], c[9]));
        }
        return new ProxySample(atNanos, bounds, edges);
    }

    /**
     * Every duration histogram must have the same bounds, ending with +Inf, and counts that never
     * go down from one bucket to the next: otherwise percentiles computed from it would be wrong.
     */
    private static double[] checkHistograms(Map<Map<String, String>, TreeMap<Double, Long>> series) throws InvalidMetricsException {
        double[] bounds = null;
        for (var e : series.entrySet()) {
            TreeMap<Double, Long> h = e.getValue();
            if (h.lastKey() != Double.POSITIVE_INFINITY) throw new InvalidMetricsException(DURATION_BUCKET + e.getKey() + ": no le=\"+Inf\" bucket");
            long previous = 0;
            for (var b : h.entrySet()) {
                if (b.getValue() < previous) {
                    throw new InvalidMetricsException(DURATION_BUCKET + e.getKey() + ": the count of le=\"" + b.getKey()
                            + "\" is below the previous bucket's (buckets are cumulative)");
                }
                previous = b.getValue();
            }
            double[] these = h.keySet().stream().mapToDouble(Double::doubleValue).toArray();
            if (bounds == null) bounds = these;
            else if (!Arrays.equals(bounds, these)) {
                throw new InvalidMetricsException(DURATION_BUCKET + e.getKey() + ": buckets " + Arrays.toString(these)
                        + " differ from another series' " + Arrays.toString(bounds));
            }
        }
        return bounds == null ? new double[0] : bounds;
    }

    private static EdgeKey key(PrometheusText.Sample s, EdgeKey.Protocol protocol) throws InvalidMetricsException {
        String reporter = s.labels().get("reporter");
        EdgeKey.Reporter r;
        if ("source".equals(reporter)) r = EdgeKey.Reporter.SOURCE;
        else if ("destination".equals(reporter)) r = EdgeKey.Reporter.DESTINATION;
        else throw invalid(s, reporter == null ? "no 'reporter' label (did a Telemetry override remove it?)"
                    : "reporter=\"" + reporter + "\" (expected source or destination)");
        return new EdgeKey(r,
                Workload.of(s.labels().get("source_workload_namespace"), s.labels().get("source_workload")),
                Workload.of(s.labels().get("destination_workload_namespace"), s.labels().get("destination_workload")),
                s.label("destination_service", "").isEmpty() ? "unknown" : s.label("destination_service", ""),
                protocol);
    }

    /** A 5xx answer; for gRPC also a grpc-status other than OK (a gRPC error travels in a 200). */
    private static boolean isError(PrometheusText.Sample s, EdgeKey.Protocol protocol) {
        String code = s.label("response_code", "");
        if (code.length() == 3 && code.charAt(0) == '5') return true;
        if (protocol != EdgeKey.Protocol.GRPC) return false;
        String grpc = s.label("grpc_response_status", "");
        return !grpc.isEmpty() && !grpc.equals("0");
    }

    private static EdgeKey.Protocol httpProtocol(PrometheusText.Sample s) {
        return "grpc".equals(s.labels().get("request_protocol")) ? EdgeKey.Protocol.GRPC : EdgeKey.Protocol.HTTP;
    }

    private static void security(PrometheusText.Sample s, long[] c, long v) {
        switch (s.label("connection_security_policy", "unknown")) {
            case "mutual_tls" -> c[3] += v;
            case "none" -> c[4] += v;
            default -> { } // the source reporter's "unknown"
        }
    }

    private static long count(PrometheusText.Sample s) throws InvalidMetricsException {
        double v = s.value();
        if (!(v >= 0) || v > 0x1p62 || v != Math.rint(v)) throw invalid(s, "a counter must be a whole number ≥ 0, got " + v);
        return (long) v;
    }

    private static double bound(PrometheusText.Sample s, String le) throws InvalidMetricsException {
        if (le.equals("+Inf")) return Double.POSITIVE_INFINITY;
        try {
            double d = Double.parseDouble(le);
            if (Double.isNaN(d) || Double.isInfinite(d) || !le.matches("[+-]?[0-9.eE+-]+")) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw invalid(s, "le=\"" + le + "\" is not a number");
        }
    }

    private static InvalidMetricsException invalid(PrometheusText.Sample s, String why) {
        return new InvalidMetricsException(s.name() + s.labels() + ": " + why);
    }
}
