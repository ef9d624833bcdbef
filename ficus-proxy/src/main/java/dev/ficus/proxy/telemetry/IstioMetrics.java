package dev.ficus.proxy.telemetry;

import dev.ficus.api.telemetry.TagExpression;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload;
import dev.ficus.xds.snapshot.TelemetryPolicy.ServiceRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's standard metrics of one proxy: istio_requests_total, istio_request_duration_milliseconds,
 * istio_request_bytes, istio_response_bytes, the gRPC message counters and the istio_tcp_*
 * counters, with Istio's labels.
 *
 * <p>Cost: the labels that describe who talks to whom are resolved into an {@link Edge} when a new
 * pair of peers (or route, or cluster) is first seen, and a request handler keeps the edge it used
 * last; the labels of the outcome (status, flags, gRPC status) pick a {@link HttpSeries} from a
 * short copy-on-write array. A request thus allocates nothing here and takes no lock: counters
 * and histograms are {@code LongAdder}s. Series are never removed (as Envoy's stats are not).
 */
public final class IstioMetrics {
    static final String REQUESTS = "istio_requests_total";
    static final String DURATION = "istio_request_duration_milliseconds";
    static final String REQUEST_BYTES = "istio_request_bytes";
    static final String RESPONSE_BYTES = "istio_response_bytes";
    static final String REQUEST_MESSAGES = "istio_request_messages_total";
    static final String RESPONSE_MESSAGES = "istio_response_messages_total";
    static final String TCP_OPENED = "istio_tcp_connections_opened_total";
    static final String TCP_CLOSED = "istio_tcp_connections_closed_total";
    static final String TCP_SENT = "istio_tcp_sent_bytes_total";
    static final String TCP_RECEIVED = "istio_tcp_received_bytes_total";
    /** The cluster label Istio's dashboards expect; ficus runs one mesh per control plane. */
    static final String CLUSTER = "ficus";

    private final ConcurrentHashMap<EdgeKey, Edge> edges = new ConcurrentHashMap<>();

    /**
     * Who talks to whom, seen by one reporter.
     *
     * @param sourceReporter true on the client side (outbound and gateway listeners)
     * @param security       {@code mutual_tls}, {@code none}, or {@code unknown} (the source reporter's value in Istio)
     */
    public record EdgeKey(boolean sourceReporter, PeerWorkload source, String sourcePrincipal, PeerWorkload destination, String destinationPrincipal,
                          ServiceRef service, String security, TelemetryPolicy.Metrics overrides) {
    }

    /** The edge for {@code key}, made on first use. Off the fast path: callers cache what they get. */
    public Edge edge(EdgeKey key) {
        Edge e = edges.get(key);
        return e != null ? e : edges.computeIfAbsent(key, Edge::new);
    }

    /** One edge's series, with its labels rendered once. */
    public static final class Edge {
        private final EdgeKey key;
        private final List<String[]> labels; // name, value pairs in Istio's order, without the per-outcome ones
        private volatile HttpSeries[] series = new HttpSeries[0];
        private volatile TcpSeries tcp;
        private volatile MessageSeries messages;
        /** Tag override values evaluated per request (request.host ...), in a fixed order; empty for most edges. */
        private final List<TagExpression> dynamic;
        private final ConcurrentHashMap<DynamicKey, HttpSeries> dynamicSeries;
        /** With per-request tags: the message counters by the tags' values. */
        private final ConcurrentHashMap<List<String>, MessageSeries> dynamicMessages;

        private record DynamicKey(long key, List<String> values) {
        }

        Edge(EdgeKey key) {
            this.key = key;
            List<String[]> l = new ArrayList<>();
            PeerWorkload s = key.source(), d = key.destination();
            l.add(new String[] {"reporter", key.sourceReporter() ? "source" : "destination"});
            l.add(new String[] {"source_workload", s.workload()});
            l.add(new String[] {"source_canonical_service", s.canonicalService()});
            l.add(new String[] {"source_canonical_revision", s.canonicalRevision()});
            l.add(new String[] {"source_workload_namespace", s.namespace()});
            l.add(new String[] {"source_principal", key.sourcePrincipal()});
            l.add(new String[] {"source_app", s.app()});
            l.add(new String[] {"source_version", s.version()});
            l.add(new String[] {"source_cluster", s.isUnknown() ? "unknown" : CLUSTER});
            l.add(new String[] {"destination_workload", d.workload()});
            l.add(new String[] {"destination_workload_namespace", d.namespace()});
            l.add(new String[] {"destination_principal", key.destinationPrincipal()});
            l.add(new String[] {"destination_app", d.app()});
            l.add(new String[] {"destination_version", d.version()});
            ServiceRef svc = key.service();
            l.add(new String[] {"destination_service", svc == null ? "unknown" : svc.host()});
            l.add(new String[] {"destination_service_name", svc == null ? "unknown" : svc.name()});
            l.add(new String[] {"destination_service_namespace", svc == null ? "unknown" : svc.namespace()});
            l.add(new String[] {"destination_canonical_service", d.canonicalService()});
            l.add(new String[] {"destination_canonical_revision", d.canonicalRevision()});
            l.add(new String[] {"destination_cluster", d.isUnknown() ? "unknown" : CLUSTER});
            this.labels = l;
            List<TagExpression> dyn = new ArrayList<>();
            for (TelemetryPolicy.MetricOverride o : key.overrides().overrides()) {
                for (String expr : o.upsertTags().values()) {
                    TagExpression t = TagExpression.parseOrUnknown(expr);
                    if (!(t instanceof TagExpression.Literal) && !dyn.contains(t)) dyn.add(t);
                }
            }
            this.dynamic = List.copyOf(dyn);
            this.dynamicSeries = dyn.isEmpty() ? null : new ConcurrentHashMap<>();
            this.dynamicMessages = dyn.isEmpty() ? null : new ConcurrentHashMap<>();
        }

        public EdgeKey key() { return key; }

        /** Whether a tag override of this edge is evaluated per request: use {@link #series(Exchange)}. */
        public boolean perRequestTags() { return dynamicSeries != null; }

        /** The series of a finished exchange on an edge with per-request tags (allocates a key per call). */
        public HttpSeries series(Exchange ex) {
            String[] values = new String[dynamic.size()];
            for (int i = 0; i < values.length; i++) values[i] = TagValues.evaluate(dynamic.get(i), ex);
            long k = seriesKey(ex.grpc(), ex.status(), ex.flags(), ex.grpcStatus());
            DynamicKey dk = new DynamicKey(k, List.of(values));
            HttpSeries s = dynamicSeries.get(dk);
            if (s != null) return s;
            return dynamicSeries.computeIfAbsent(dk, x -> create(k, ex.grpc(), ex.status(), ex.flags(), ex.grpcStatus(), values));
        }

        /** {@code flags}: a {@link dev.ficus.proxy.http.ResponseFlags} set, in the high half. */
        private static long seriesKey(boolean grpc, int code, int flags, int grpcStatus) {
            return ((long) flags << 32) | (grpc ? 1 << 30 : 0) | (Math.min(Math.max(code, 0), 999) << 16) | (grpcStatus + 1 & 0xff);
        }

        /** The series of one outcome; {@code flag} is an Envoy flag or null, {@code grpcStatus} -1 when none. */
        public HttpSeries series(boolean grpc, int code, dev.ficus.proxy.http.ResponseFlag flag, int grpcStatus) {
            return series(grpc, code, dev.ficus.proxy.http.ResponseFlags.of(flag), grpcStatus);
        }

        /** The series of one outcome; {@code flags} a {@link dev.ficus.proxy.http.ResponseFlags} set (e.g. UT and URX), {@code grpcStatus} -1 when none. */
        public HttpSeries series(boolean grpc, int code, int flags, int grpcStatus) {
            long k = seriesKey(grpc, code, flags, grpcStatus);
            HttpSeries[] all = series;
            for (HttpSeries s : all) if (s.key == k) return s;
            return add(k, grpc, code, flags, grpcStatus);
        }

        private synchronized HttpSeries add(long k, boolean grpc, int code, int flags, int grpcStatus) {
            HttpSeries[] all = series;
            for (HttpSeries s : all) if (s.key == k) return s;
            HttpSeries s = create(k, grpc, code, flags, grpcStatus, null);
            HttpSeries[] next = java.util.Arrays.copyOf(all, all.length + 1);
            next[all.length] = s;
            series = next;
            return s;
        }

        private HttpSeries create(long k, boolean grpc, int code, int flags, int grpcStatus, String[] values) {
            List<String[]> l = new ArrayList<>(labels);
            l.add(new String[] {"request_protocol", grpc ? "grpc" : "http"});
            l.add(new String[] {"response_code", Integer.toString(code)});
            l.add(new String[] {"grpc_response_status", grpcStatus < 0 ? "" : Integer.toString(grpcStatus)});
            l.add(new String[] {"response_flags", dev.ficus.proxy.http.ResponseFlags.names(flags)});
            l.add(new String[] {"connection_security_policy", key.security()});
            return new HttpSeries(k, render(l, REQUESTS, values), render(l, DURATION, values), render(l, REQUEST_BYTES, values), render(l, RESPONSE_BYTES, values));
        }

        /**
         * The gRPC message counters of {@code ex}'s edge. As in Istio, they carry the edge's labels
         * only (no request_protocol, response_code, grpc_response_status, response_flags or
         * connection_security_policy): they are counted while a stream lasts, before its outcome
         * is known. Per-request tag values are read from {@code ex} (allocating a key per call).
         */
        public MessageSeries messages(Exchange ex) {
            if (dynamicMessages == null) {
                MessageSeries m = messages;
                return m != null ? m : makeMessages();
            }
            String[] values = new String[dynamic.size()];
            for (int i = 0; i < values.length; i++) values[i] = TagValues.evaluate(dynamic.get(i), ex);
            List<String> k = List.of(values);
            MessageSeries m = dynamicMessages.get(k);
            return m != null ? m : dynamicMessages.computeIfAbsent(k, x -> new MessageSeries(render(labels, REQUEST_MESSAGES, values), render(labels, RESPONSE_MESSAGES, values)));
        }

        private synchronized MessageSeries makeMessages() {
            if (messages != null) return messages;
            messages = new MessageSeries(render(labels, REQUEST_MESSAGES, null), render(labels, RESPONSE_MESSAGES, null));
            return messages;
        }

        /** The TCP counters of this edge. */
        public TcpSeries tcp() {
            TcpSeries t = tcp;
            return t != null ? t : makeTcp();
        }

        private synchronized TcpSeries makeTcp() {
            if (tcp != null) return tcp;
            List<String[]> l = new ArrayList<>(labels);
            l.add(new String[] {"request_protocol", "tcp"});
            l.add(new String[] {"response_flags", "-"});
            l.add(new String[] {"connection_security_policy", key.security()});
            tcp = new TcpSeries(render(l, TCP_OPENED, null), render(l, TCP_CLOSED, null), render(l, TCP_SENT, null), render(l, TCP_RECEIVED, null));
            return tcp;
        }

        /**
         * The label text of {@code metric} after the overrides, or null when an override disables it;
         * {@code values} are the per-request tag values in {@link #dynamic}'s order (null: none, for TCP).
         */
        private String render(List<String[]> base, String metric, String[] values) {
            Map<String, String> l = new LinkedHashMap<>();
            for (String[] p : base) l.put(p[0], p[1]);
            for (TelemetryPolicy.MetricOverride o : key.overrides().overrides()) {
                if (!o.appliesTo(metric)) continue;
                if (o.disabled()) return null;
                o.removeTags().forEach(l::remove);
                o.upsertTags().forEach((tag, expr) -> {
                    TagExpression t = TagExpression.parseOrUnknown(expr);
                    if (t instanceof TagExpression.Literal lit) l.put(tag, lit.value());
                    else l.put(tag, values == null ? "unknown" : values[dynamic.indexOf(t)]);
                });
            }
            StringBuilder b = new StringBuilder(512);
            l.forEach((k, v) -> {
                if (!b.isEmpty()) b.append(',');
                b.append(k).append("=\"");
                escape(b, v);
                b.append('"');
            });
            return b.toString();
        }
    }

    /** The counters of one HTTP outcome on one edge. */
    public static final class HttpSeries {
        final long key;
        final String requestsLabels, durationLabels, requestBytesLabels, responseBytesLabels; // null: disabled
        final java.util.concurrent.atomic.LongAdder requests = new java.util.concurrent.atomic.LongAdder();
        final Histogram duration = new Histogram();
        final Histogram requestBytes = new Histogram();
        final Histogram responseBytes = new Histogram();

        HttpSeries(long key, String requests, String duration, String requestBytes, String responseBytes) {
            this.key = key;
            this.requestsLabels = requests;
            this.durationLabels = duration;
            this.requestBytesLabels = requestBytes;
            this.responseBytesLabels = responseBytes;
        }

        /** Counts one finished exchange. */
        public void record(long durationMicros, long requestBodyBytes, long responseBodyBytes) {
            if (requestsLabels != null) requests.increment();
            if (durationLabels != null) duration.observeMicros(durationMicros);
            if (requestBytesLabels != null) requestBytes.observe(requestBodyBytes);
            if (responseBytesLabels != null) responseBytes.observe(responseBodyBytes);
        }

        public long requests() { return requests.sum(); }
    }

    /**
     * The gRPC message counters of one edge (and per-request tag values): added to on the event
     * loops of the exchanges as their messages pass, summed by the admin thread when scraped.
     */
    public static final class MessageSeries {
        final String requestLabels, responseLabels; // null: disabled
        final java.util.concurrent.atomic.LongAdder request = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder response = new java.util.concurrent.atomic.LongAdder();

        MessageSeries(String request, String response) {
            this.requestLabels = request;
            this.responseLabels = response;
        }

        /** {@code n} messages from the client. */
        public void request(long n) {
            if (requestLabels != null && n > 0) request.add(n);
        }

        /** {@code n} messages to the client. */
        public void response(long n) {
            if (responseLabels != null && n > 0) response.add(n);
        }
    }

    /** The TCP counters of one edge. */
    public static final class TcpSeries {
        final String openedLabels, closedLabels, sentLabels, receivedLabels;
        final java.util.concurrent.atomic.LongAdder opened = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder closed = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder sent = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder received = new java.util.concurrent.atomic.LongAdder();

        TcpSeries(String opened, String closed, String sent, String received) {
            this.openedLabels = opened;
            this.closedLabels = closed;
            this.sentLabels = sent;
            this.receivedLabels = received;
        }

        public void opened() { opened.increment(); }

        public void closed() { closed.increment(); }

        /** Bytes sent to the downstream peer (the response direction), as Istio counts them. */
        public void sent(long n) { sent.add(n); }

        /** Bytes received from the downstream peer. */
        public void received(long n) { received.add(n); }
    }

    /** All series in the Prometheus text format, appended to {@code b}. */
    public void prometheus(StringBuilder b) {
        List<Edge> all = new ArrayList<>(edges.values());
        all.sort(Comparator.comparing(e -> e.labels.toString()));
        List<HttpSeries> http = new ArrayList<>();
        for (Edge e : all) {
            http.addAll(List.of(e.series));
            if (e.dynamicSeries != null) http.addAll(e.dynamicSeries.values());
        }
        http.sort(Comparator.comparing(s -> s.requestsLabels == null ? "" : s.requestsLabels));
        header(b, REQUESTS, "counter", "Requests served, by Istio's standard labels.");
        for (HttpSeries s : http) if (s.requestsLabels != null) b.append(REQUESTS).append('{').append(s.requestsLabels).append("} ").append(s.requests.sum()).append('\n');
        header(b, DURATION, "histogram", "Request durations in milliseconds, from the request's first byte to the response's last.");
        for (HttpSeries s : http) if (s.durationLabels != null) s.duration.write(b, DURATION, s.durationLabels);
        header(b, REQUEST_BYTES, "histogram", "Request body sizes in bytes.");
        for (HttpSeries s : http) if (s.requestBytesLabels != null) s.requestBytes.write(b, REQUEST_BYTES, s.requestBytesLabels);
        header(b, RESPONSE_BYTES, "histogram", "Response body sizes in bytes.");
        for (HttpSeries s : http) if (s.responseBytesLabels != null) s.responseBytes.write(b, RESPONSE_BYTES, s.responseBytesLabels);
        List<MessageSeries> messages = new ArrayList<>();
        for (Edge e : all) {
            if (e.messages != null) messages.add(e.messages);
            if (e.dynamicMessages != null) messages.addAll(e.dynamicMessages.values());
        }
        messages.sort(Comparator.comparing(m -> m.requestLabels == null ? m.responseLabels == null ? "" : m.responseLabels : m.requestLabels));
        header(b, REQUEST_MESSAGES, "counter", "gRPC messages sent by clients.");
        for (MessageSeries m : messages) if (m.requestLabels != null) b.append(REQUEST_MESSAGES).append('{').append(m.requestLabels).append("} ").append(m.request.sum()).append('\n');
        header(b, RESPONSE_MESSAGES, "counter", "gRPC messages sent by servers.");
        for (MessageSeries m : messages) if (m.responseLabels != null) b.append(RESPONSE_MESSAGES).append('{').append(m.responseLabels).append("} ").append(m.response.sum()).append('\n');
        List<TcpSeries> tcp = new ArrayList<>();
        for (Edge e : all) if (e.tcp != null) tcp.add(e.tcp);
        header(b, TCP_OPENED, "counter", "TCP connections opened.");
        for (TcpSeries t : tcp) if (t.openedLabels != null) b.append(TCP_OPENED).append('{').append(t.openedLabels).append("} ").append(t.opened.sum()).append('\n');
        header(b, TCP_CLOSED, "counter", "TCP connections closed.");
        for (TcpSeries t : tcp) if (t.closedLabels != null) b.append(TCP_CLOSED).append('{').append(t.closedLabels).append("} ").append(t.closed.sum()).append('\n');
        header(b, TCP_SENT, "counter", "Bytes sent to the downstream peer on TCP connections.");
        for (TcpSeries t : tcp) if (t.sentLabels != null) b.append(TCP_SENT).append('{').append(t.sentLabels).append("} ").append(t.sent.sum()).append('\n');
        header(b, TCP_RECEIVED, "counter", "Bytes received from the downstream peer on TCP connections.");
        for (TcpSeries t : tcp) if (t.receivedLabels != null) b.append(TCP_RECEIVED).append('{').append(t.receivedLabels).append("} ").append(t.received.sum()).append('\n');
    }

    private static void header(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '"') b.append('\\').append(c);
            else if (c == '\n') b.append("\\n");
            else b.append(c);
        }
    }
}
