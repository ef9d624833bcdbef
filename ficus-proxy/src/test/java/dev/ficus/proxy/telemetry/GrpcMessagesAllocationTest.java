package dev.ficus.proxy.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Counting a gRPC exchange's messages allocates nothing once its connection has seen one gRPC
 * exchange and its edge is known: the boundaries are found in place and the counts go to
 * LongAdders, also while the stream lasts.
 */
class GrpcMessagesAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aStreamsMessagesAreCountedWithoutAllocating() {
        TelemetryPolicy web = TelemetryPolicy.DEFAULT.withLocal(new TelemetryPolicy.PeerWorkload("web-v1", "shop", "web", "v1"));
        ListenerConfig l = new ListenerConfig("out", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "out")
                .withTelemetry(web);
        IstioMetrics metrics = new IstioMetrics();
        ListenerTelemetry tel = ListenerTelemetry.compile(l, metrics, List.of());
        TelemetryPolicy.ServiceRef svc = new TelemetryPolicy.ServiceRef("echo.shop.svc.cluster.local", "echo", "shop");
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/ficus.test.Echo/Join");
        req.headers().add("host", "echo:9080").add("content-type", "application/grpc");
        HttpHeaders responseHead = new DefaultHttpHeaders();
        // 3 messages of 10 bytes cut across 2 chunks (the second message's prefix split), then 1 message
        byte[] three = new byte[45];
        for (int m = 0; m < 3; m++) three[m * 15 + 4] = 10;
        ByteBuf a = Unpooled.wrappedBuffer(three, 0, 17), b = Unpooled.wrappedBuffer(three, 17, 28);
        ByteBuf one = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 2, 7, 7});
        Exchange ex = new Exchange();

        int n = 20_000;
        long allocated = 0;
        for (int i = 0; i < 2 * n; i++) { // the first half lets the JIT compile and makes the series
            long before = THREADS.getCurrentThreadAllocatedBytes();
            ex.begin(req, "HTTP/2", "127.0.0.1");
            tel.onRequest(ex);
            ex.cluster("outbound|9080||echo.shop.svc.cluster.local", svc);
            ex.requestBody(a);
            ex.requestBody(b);
            tel.onResponse(ex, responseHead);
            ex.responseBody(one);
            ex.end(200, null);
            tel.onEnd(ex);
            if (i >= n) allocated += THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        assertThat((double) allocated / n).as("bytes allocated per gRPC exchange").isLessThan(1.0);
        StringBuilder text = new StringBuilder();
        metrics.prometheus(text);
        assertThat(text.toString()).containsPattern("istio_request_messages_total\\{[^}]*} " + 3L * 2 * n + "\n")
                .containsPattern("istio_response_messages_total\\{[^}]*} " + 2L * n + "\n");
    }
}
