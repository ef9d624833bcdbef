package dev.ficus.control.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the graph's edges from every proxy's window. Each proxy reports the edges it is a source
 * of (its outbound side) and a destination of (its inbound side), so a meshed pair is counted
 * twice: as Kiali does, the destination's account wins when there is one — it knows how the
 * caller connected, and counts requests that reached the app — else the source's (a destination
 * without a proxy, or one this control plane could not read). Requests the caller's proxy failed
 * before they reached the destination's (refused connections, circuit breaking, injected aborts:
 * {@link EdgeCounters#UNANSWERED_FLAGS}) only the source counts: they are added to the
 * destination's account, as Kiali adds the source's failures to an edge.
 */
final class GraphAssembler {
    private GraphAssembler() {
    }

    /** One proxy's window: its counts over {@code seconds}, histograms with {@code bounds}. */
    record Contribution(double seconds, double[] bounds, Map<EdgeKey, EdgeCounters> deltas) {
    }

    /** The edge without the reporter: what both ends of a meshed exchange agree on. */
    private record PairKey(Workload source, Workload destination, String service, EdgeKey.Protocol protocol) {
    }

    /** One reporter's sum over the proxies that reported an edge. */
    private static final class Sum {
        EdgeCounters counters = EdgeCounters.ZERO;
        double[] bounds = new double[0];
        boolean boundsDiffer;
        double rps, unansweredRps, bytesPerSecond, seconds;

        void add(Contribution c, EdgeCounters d) {
            if (d.buckets() > 0) {
                if (counters.buckets() > 0 && !Arrays.equals(bounds, c.bounds())) boundsDiffer = true;
                else bounds = c.bounds();
            }
            counters = boundsDiffer ? counters.plus(withoutHistogram(d)) : counters.plus(d);
            rps += d.requests() / c.seconds();
            unansweredRps += d.unanswered() / c.seconds();
            bytesPerSecond += (d.tcpSent() + d.tcpReceived()) / c.seconds();
            seconds = Math.max(seconds, c.seconds());
        }

        private static EdgeCounters withoutHistogram(EdgeCounters d) {
            return new EdgeCounters(d.requests(), d.serverErrors(), d.flagged(), d.mtls(), d.plaintext(), new long[0],
                    d.tcpOpened(), d.tcpSent(), d.tcpReceived(), d.unanswered(), d.unansweredErrors());
        }
    }

    static List<ServiceGraph.Edge> edges(List<Contribution> windows) {
        Map<PairKey, EnumMap<EdgeKey.Reporter, Sum>> pairs = new LinkedHashMap<>();
        for (Contribution c : windows) {
            if (!(c.seconds() > 0)) continue;
            for (var e : c.deltas().entrySet()) {
                EdgeKey k = e.getKey();
                PairKey p = new PairKey(k.source(), k.destination(), k.service(), k.protocol());
                pairs.computeIfAbsent(p, x -> new EnumMap<>(EdgeKey.Reporter.class))
                        .computeIfAbsent(k.reporter(), x -> new Sum()).add(c, e.getValue());
            }
        }
        List<ServiceGraph.Edge> edges = new ArrayList<>();
        pairs.forEach((p, byReporter) -> {
            EdgeKey.Reporter r = byReporter.containsKey(EdgeKey.Reporter.DESTINATION) ? EdgeKey.Reporter.DESTINATION : EdgeKey.Reporter.SOURCE;
            Sum unanswered = r == EdgeKey.Reporter.DESTINATION ? byReporter.get(EdgeKey.Reporter.SOURCE) : null;
            edges.add(edge(p, r, byReporter.get(r), unanswered));
        });
        edges.sort(Comparator.comparing((ServiceGraph.Edge e) -> e.source().id()).thenComparing(ServiceGraph.Edge::service)
                .thenComparing(e -> e.destination().id()).thenComparing(ServiceGraph.Edge::protocol));
        return edges;
    }

    /** {@code caller}: the source's sum of an edge the destination reported, whose unanswered requests are added; else null. */
    private static ServiceGraph.Edge edge(PairKey p, EdgeKey.Reporter reporter, Sum s, Sum caller) {
        EdgeCounters c = s.counters;
        long lost = caller == null ? 0 : caller.counters.unanswered();
        long lostErrors = caller == null ? 0 : caller.counters.unansweredErrors();
        long requests = c.requests() + lost;
        long serverErrors = c.serverErrors() + lostErrors, flagged = c.flagged() + lost;
        double rps = s.rps + (caller == null ? 0 : caller.unansweredRps);
        double p50 = Double.NaN, p99 = Double.NaN;
        if (!s.boundsDiffer && c.buckets() > 0) {
            long[] b = new long[c.buckets()];
            for (int i = 0; i < b.length; i++) b[i] = c.bucket(i);
            p50 = Histograms.quantile(0.5, s.bounds, b);
            p99 = Histograms.quantile(0.99, s.bounds, b);
        }
        long known = c.mtls() + c.plaintext();
        return new ServiceGraph.Edge(p.source(), p.destination(), p.service(), p.protocol(), reporter,
                requests, rps, serverErrors, share(serverErrors, requests), flagged, share(flagged, requests),
                p50, p99, security(reporter, p.destination(), c), known == 0 ? Double.NaN : (double) c.mtls() / known,
                c.tcpOpened(), c.tcpSent(), c.tcpReceived(), s.bytesPerSecond, s.seconds);
    }

    private static double share(long part, long whole) {
        return whole == 0 ? 0 : (double) part / whole;
    }

    private static ServiceGraph.Security security(EdgeKey.Reporter reporter, Workload destination, EdgeCounters c) {
        if (reporter == EdgeKey.Reporter.SOURCE) {
            return destination.isUnknown() ? ServiceGraph.Security.UNKNOWN_NOT_MESHED : ServiceGraph.Security.UNKNOWN_NOT_SCRAPED;
        }
        if (c.mtls() > 0 && c.plaintext() > 0) return ServiceGraph.Security.MIXED;
        if (c.mtls() > 0) return ServiceGraph.Security.MUTUAL_TLS;
        if (c.plaintext() > 0) return ServiceGraph.Security.PLAINTEXT;
        return ServiceGraph.Security.UNKNOWN;
    }

    /** Every workload and service the edges name, workloads first, each once. */
    static List<ServiceGraph.Node> nodes(List<ServiceGraph.Edge> edges) {
        Map<String, ServiceGraph.Node> workloads = new TreeMap<>(), services = new TreeMap<>();
        for (ServiceGraph.Edge e : edges) {
            Workload s = e.source(), d = e.destination();
            workloads.putIfAbsent(s.id(), new ServiceGraph.Node(s.id(), s.isUnknown() ? ServiceGraph.NodeKind.UNKNOWN : ServiceGraph.NodeKind.WORKLOAD));
            if (!d.isUnknown()) workloads.putIfAbsent(d.id(), new ServiceGraph.Node(d.id(), ServiceGraph.NodeKind.WORKLOAD)); // else the service stands for it
            services.putIfAbsent(e.service(), new ServiceGraph.Node(e.service(), ServiceGraph.NodeKind.SERVICE));
        }
        List<ServiceGraph.Node> nodes = new ArrayList<>(workloads.values());
        nodes.addAll(services.values());
        return nodes;
    }
}
