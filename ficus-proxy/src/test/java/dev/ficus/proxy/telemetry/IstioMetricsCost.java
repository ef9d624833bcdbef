package dev.ficus.proxy.telemetry;

import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;

/**
 * What the telemetry stage costs an event loop per exchange, as thread CPU time (steadier than
 * wall time on a shared machine): everything the router calls (begin, peer metadata both ways,
 * end) with Istio's metrics on, and the same with metrics off, for a client-side and a
 * server-side listener. Not a test; run by hand (command in docs/performance.md#telemetry):
 * {@code java -cp ... dev.ficus.proxy.telemetry.IstioMetricsCost [exchanges]}.
 */
public final class IstioMetricsCost {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        TelemetryPolicy web = TelemetryPolicy.DEFAULT.withLocal(new TelemetryPolicy.PeerWorkload("web-v1", "shop", "web", "v1"));
        TelemetryPolicy reviews = TelemetryPolicy.DEFAULT.withLocal(new TelemetryPolicy.PeerWorkload("reviews-v2", "shop", "reviews", "v2"))
                .withServices(List.of(new TelemetryPolicy.ServiceRef("reviews.shop.svc.cluster.local", "reviews", "shop")));
        IstioMetrics metrics = new IstioMetrics();
        for (int round = 0; round < 3; round++) {
            for (boolean inbound : new boolean[] {false, true}) {
                TelemetryPolicy p = inbound ? reviews : web;
                ListenerKind kind = inbound ? ListenerKind.INBOUND : ListenerKind.OUTBOUND;
                ListenerConfig on = new ListenerConfig("l", new HostPort("127.0.0.1", 0), kind, ListenerProtocol.HTTP, "l").withTelemetry(p);
                ListenerConfig off = on.withTelemetry(p.withMetrics(TelemetryPolicy.Metrics.OFF));
                double withMetrics = perExchange(n, ListenerTelemetry.compile(on, metrics, List.of()), inbound);
                double without = perExchange(n, ListenerTelemetry.compile(off, metrics, List.of()), inbound);
                System.out.printf(Locale.ROOT, "round %d, %s listener: %.0f ns CPU per exchange with Istio's metrics, %.0f ns without (metrics: %.0f ns)%n",
                        round, inbound ? "inbound (destination reporter)" : "outbound (source reporter)", withMetrics, without, withMetrics - without);
            }
        }
    }

    /** Runs the router's telemetry calls for {@code n} exchanges on one connection's Exchange; ns of CPU per exchange. */
    private static double perExchange(int n, ListenerTelemetry tel, boolean inbound) {
        Exchange ex = new Exchange();
        String peerHeader = PeerMetadata.encode(new TelemetryPolicy.PeerWorkload("web-v1", "shop", "web", "v1")).toString();
        String answerHeader = PeerMetadata.encode(new TelemetryPolicy.PeerWorkload("reviews-v2", "shop", "reviews", "v2")).toString();
        TelemetryPolicy.ServiceRef svc = new TelemetryPolicy.ServiceRef("reviews.shop.svc.cluster.local", "reviews", "shop");
        long cpu = 0;
        for (int pass = 0; pass < 2; pass++) { // the first pass lets the JIT compile
            long t0 = CPU.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/reviews/42");
                req.headers().add("host", "reviews:9080");
                if (inbound) req.headers().add(PeerMetadata.HEADER, new String(peerHeader)); // a new String per request, as a decoder makes
                ex.begin(req, "HTTP/1.1", "127.0.0.1");
                tel.onRequest(ex);
                ex.cluster("outbound|9080||reviews.shop.svc.cluster.local", svc);
                tel.onUpstreamRequest(ex, req.headers());
                HttpHeaders resp = new DefaultHttpHeaders();
                if (!inbound) resp.add(PeerMetadata.HEADER, new String(answerHeader));
                tel.onResponse(ex, resp);
                ex.responseBody(1024);
                ex.end(i % 50 == 0 ? 503 : 200, null);
                tel.onEnd(ex);
            }
            cpu = CPU.getCurrentThreadCpuTime() - t0;
        }
        return (double) cpu / n;
    }
}
