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
}
