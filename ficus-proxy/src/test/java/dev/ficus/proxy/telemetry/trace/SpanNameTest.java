package dev.ficus.proxy.telemetry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.telemetry.Exchange;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload;
import dev.ficus.xds.snapshot.TelemetryPolicy.ServiceRef;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The span name (Istio's operation name) for each way a request can arrive: with or without a
 * port in its Host, through a cluster whose name has a port or not, on either side.
 */
class SpanNameTest {
    static final String SERVICE = "reviews.shop.svc.cluster.local";

    final Tracer tracer = new Tracer(TracingConfig.defaults("sidecar~test.shop"), new SpanExporter() {
        @Override public CompletableResultCode export(Collection<SpanData> spans) { return CompletableResultCode.ofSuccess(); }
        @Override public CompletableResultCode flush() { return CompletableResultCode.ofSuccess(); }
        @Override public CompletableResultCode shutdown() { return CompletableResultCode.ofSuccess(); }
    });

    @AfterEach
    void close() {
        tracer.close();
    }

    ListenerTracer listener(ListenerKind kind, int port) {
        TelemetryPolicy p = TelemetryPolicy.DEFAULT.withLocal(new PeerWorkload("reviews-v1", "shop", "reviews", "v1"))
                .withServices(kind == ListenerKind.INBOUND ? List.of(new ServiceRef(SERVICE, "reviews", "shop")) : List.of());
        return new ListenerTracer(tracer, new ListenerConfig("l", new HostPort("127.0.0.1", port), kind, ListenerProtocol.HTTP, "routes").withTelemetry(p));
    }

    /** The name of the span of a request with {@code host} (null: none) sent to {@code cluster} and then {@code upstream} (null: none reached). */
    static String name(ListenerTracer on, String host, String cluster, HostPort upstream) {
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/reviews/1?x=2");
        if (host != null) req.headers().set("host", host);
        Exchange ex = new Exchange();
        ex.begin(req, "HTTP/1.1", "127.0.0.1");
        if (cluster != null) ex.cluster(cluster, null);
        if (upstream != null) ex.upstreamHost(upstream);
        ex.end(200, null);
        ExchangeTrace t = new ExchangeTrace();
        t.traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        t.spanId = 1;
        return new FinishedSpan(on, t, ex).getName();
    }

    @Test
    void aClientSpanIsNamedWithTheDestinationServicesPortWhateverTheHostSays() {
        ListenerTracer out = listener(ListenerKind.OUTBOUND, 15001);
        String cluster = "outbound|9080||" + SERVICE;
        assertThat(name(out, SERVICE + ":9080", cluster, new HostPort("10.0.0.1", 28112))).isEqualTo(SERVICE + ":9080/*");
        assertThat(name(out, SERVICE, cluster, new HostPort("10.0.0.1", 28112))).isEqualTo(SERVICE + ":9080/*");
        assertThat(name(out, "reviews", cluster, null)).isEqualTo("reviews:9080/*");
    }

    @Test
    void aClientSpanThroughAClusterWithoutAPortIsNamedWithThePortTheRequestReached() {
        ListenerTracer out = listener(ListenerKind.OUTBOUND, 15001);
        // the passthrough cluster: the Host's port, else the port of the address the request went to
        assertThat(name(out, "example.com:8443", "PassthroughCluster", new HostPort("93.184.215.14", 8443))).isEqualTo("example.com:8443/*");
        assertThat(name(out, "example.com", "PassthroughCluster", new HostPort("93.184.215.14", 80))).isEqualTo("example.com:80/*");
        assertThat(name(out, "Example.COM", "backend", new HostPort("::1", 8080))).isEqualTo("example.com:8080/*");
        assertThat(name(out, "[::1]", "backend", new HostPort("::1", 8080))).isEqualTo("[::1]:8080/*");
        // nothing tells the port: the host alone, rather than a made-up port
        assertThat(name(out, "example.com", "PassthroughCluster", null)).isEqualTo("example.com/*");
        // no cluster at all (a local reply): the authority and path, as before
        assertThat(name(out, "example.com", null, null)).isEqualTo("example.com/reviews/1");
    }

    @Test
    void aServerSpanIsNamedWithTheServicePortTheHostNamesElseThePortTheRequestReached() {
        ListenerTracer in = listener(ListenerKind.INBOUND, 28112);
        String cluster = "inbound|28112||";
        assertThat(name(in, SERVICE + ":9080", cluster, new HostPort("127.0.0.1", 8080))).isEqualTo(SERVICE + ":9080/*");
        assertThat(name(in, "reviews:9080", cluster, new HostPort("127.0.0.1", 8080))).isEqualTo(SERVICE + ":9080/*");
        // no port in the Host: the inbound listener's, never the app's port behind it (8080)
        assertThat(name(in, SERVICE, cluster, new HostPort("127.0.0.1", 8080))).isEqualTo(SERVICE + ":28112/*");
        assertThat(name(in, "reviews", "app", new HostPort("127.0.0.1", 8080))).isEqualTo(SERVICE + ":28112/*");
        assertThat(name(in, null, "app", new HostPort("127.0.0.1", 8080))).isEqualTo(SERVICE + ":28112/*");
        // a listener on an ephemeral port: the inbound cluster's port
        assertThat(name(listener(ListenerKind.INBOUND, 0), SERVICE, cluster, new HostPort("127.0.0.1", 8080))).isEqualTo(SERVICE + ":28112/*");
    }

    @Property
    void aNamedSpanAlwaysCarriesAPortWhenTheRequestReachedOne(@ForAll @StringLength(min = 1, max = 30) @AlphaChars @NumericChars @Chars({'.', '-', ':'}) String host, @ForAll @IntRange(min = 1, max = 65535) int port,
                                                             @ForAll boolean hostHasPort, @ForAll boolean passthrough) {
        String authority = (host.contains(":") ? "[" + host.replace("]", "") + "]" : host) + (hostHasPort ? ":" + port : "");
        String cluster = passthrough ? "PassthroughCluster" : "outbound|" + port + "||" + SERVICE;
        String n = name(listener(ListenerKind.OUTBOUND, 15001), authority, cluster, new HostPort("10.0.0.1", port));
        assertThat(n).endsWith(":" + port + "/*");
    }

    @Test
    void theTrailingPortOfAnAddress() {
        assertThat(FinishedSpan.trailingPort("h:80")).isEqualTo("80");
        assertThat(FinishedSpan.trailingPort("[::1]:8080")).isEqualTo("8080");
        assertThat(FinishedSpan.trailingPort("::1")).isNull();
        assertThat(FinishedSpan.trailingPort("[::1]")).isNull();
        assertThat(FinishedSpan.trailingPort("h:")).isNull();
        assertThat(FinishedSpan.trailingPort("h:8o")).isNull();
        assertThat(FinishedSpan.trailingPort("h")).isNull();
        assertThat(FinishedSpan.trailingPort(null)).isNull();
    }
}
