package dev.ficus.proxy.telemetry;

import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Counting a finished exchange allocates nothing once its edge is known, even when the parts of
 * the edge's name arrive as new but equal objects: a client side's peer principal is a string
 * made per upstream connection, and a downstream connection's requests take different pooled
 * upstream connections.
 */
class ListenerTelemetryAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aKnownEdgeIsReusedWhenItsPrincipalsAreEqualButNotTheSameStrings() {
        TelemetryPolicy web = TelemetryPolicy.DEFAULT.withLocal(new TelemetryPolicy.PeerWorkload("web-v1", "shop", "web", "v1"));
        ListenerConfig l = new ListenerConfig("out", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "out")
                .withTelemetry(web);
        IstioMetrics metrics = new IstioMetrics();
        ListenerTelemetry tel = ListenerTelemetry.compile(l, metrics, List.of());
        TelemetryPolicy.ServiceRef svc = new TelemetryPolicy.ServiceRef("reviews.shop.svc.cluster.local", "reviews", "shop");
        TelemetryPolicy.PeerWorkload reviews = new TelemetryPolicy.PeerWorkload("reviews-v2", "shop", "reviews", "v2");
        String[] upstreamPrincipals = new String[4]; // one per pooled upstream connection: equal values, distinct strings
        for (int i = 0; i < upstreamPrincipals.length; i++) upstreamPrincipals[i] = new String("spiffe://cluster.local/ns/shop/sa/reviews");
        String local = "spiffe://cluster.local/ns/shop/sa/web";
        Exchange ex = new Exchange();
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/reviews/42");
        req.headers().add("host", "reviews:9080");

        int n = 20_000;
        long allocated = 0;
        for (int i = 0; i < 2 * n; i++) { // the first half lets the JIT compile (escape analysis) and makes the series
            ex.begin(req, "HTTP/1.1", "127.0.0.1");
            ex.cluster("outbound|9080||reviews.shop.svc.cluster.local", svc);
            ex.principals(true, upstreamPrincipals[i % upstreamPrincipals.length], local);
            ex.peer(reviews);
            ex.end(200, null);
            long before = THREADS.getCurrentThreadAllocatedBytes();
            tel.onEnd(ex);
            if (i >= n) allocated += THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        assertThat((double) allocated / n).as("bytes allocated per counted exchange").isLessThan(1.0);
        IstioMetrics.Edge edge = metrics.edge(new IstioMetrics.EdgeKey(true, web.local(), local, reviews,
                "spiffe://cluster.local/ns/shop/sa/reviews", svc, "unknown", web.metrics()));
        assertThat(edge.series(false, 200, null, -1).requests()).isEqualTo(2L * n);
    }

    /**
     * A standalone proxy's inbound listener (a Sidecar ingress, no ServiceEntry): destination_service
     * is the request's authority, a new string per request, on many connections at once. Picking
     * it and counting the exchange allocate nothing once each connection has seen it, whichever
     * connection asks, and also when two authorities take turns on different connections.
     */
    @Test
    void aStandaloneInboundListenerPicksItsServiceFromTheAuthorityWithoutAllocating() {
        TelemetryPolicy bench = TelemetryPolicy.DEFAULT.withLocal(new TelemetryPolicy.PeerWorkload("bench", "default", "bench", "unknown"));
        assertThat(bench.services()).isEmpty();
        ListenerConfig l = new ListenerConfig("in", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.HTTP, "in")
                .withTelemetry(bench);
        IstioMetrics metrics = new IstioMetrics();
        ListenerTelemetry tel = ListenerTelemetry.compile(l, metrics, List.of());
        Exchange[] connections = new Exchange[8];
        for (int c = 0; c < connections.length; c++) connections[c] = new Exchange();
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        int n = 40_000;
        long allocated = 0;
        for (int i = 0; i < 2 * n; i++) {
            int c = i % connections.length;
            Exchange ex = connections[c];
            // connections 0-5 call 127.0.0.1:18090, 6 and 7 use a name: two authorities in turn on the listener;
            // each request's authority is a new string, as the decoder makes it (made before the count starts)
            req.headers().set("host", new String(c < 6 ? "127.0.0.1:18090" : "bench.local:18090"));
            long before = THREADS.getCurrentThreadAllocatedBytes();
            ex.begin(req, "HTTP/1.1", "127.0.0.1");
            tel.onRequest(ex);
            ex.end(200, null);
            tel.onEnd(ex);
            if (i >= n) allocated += THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        assertThat((double) allocated / n).as("bytes allocated per exchange").isLessThan(1.0);
        TelemetryPolicy.ServiceRef byAddress = new TelemetryPolicy.ServiceRef("127.0.0.1", "127.0.0.1", "default");
        TelemetryPolicy.ServiceRef byName = new TelemetryPolicy.ServiceRef("bench.local", "bench.local", "default");
        for (var svc : List.of(byAddress, byName)) {
            IstioMetrics.Edge edge = metrics.edge(new IstioMetrics.EdgeKey(false, TelemetryPolicy.PeerWorkload.UNKNOWN, "unknown",
                    bench.local(), "unknown", svc, "none", bench.metrics()));
            assertThat(edge.series(false, 200, null, -1).requests()).as(svc.host()).isEqualTo(svc == byAddress ? 6L * n / 4 : 2L * n / 4);
        }
    }
}
