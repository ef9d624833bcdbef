package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.testing.ProtocolBackend;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.RouteRetry;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Upstream HTTP/2 streams the server refused, on real sockets through a real proxy: RST_STREAM
 * with REFUSED_STREAM, and the streams above a GOAWAY's last-stream-id, which the server never
 * processed. Envoy retries both under {@code refused-stream} (part of Istio's default policy) and
 * under {@code reset}; a policy with neither answers 503 with the flag UR, spent attempts UR,URX.
 */
class RefusedStreamRetryTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
        client.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    ProxyServer proxy(ProtocolBackend b, RoutePolicies policies) throws Exception {
        ClusterConfig c = ClusterConfig.of("h2", Endpoint.of("127.0.0.1", b.port())).withUpstreamProtocol(UpstreamProtocol.HTTP2);
        Route r = new Route("r", RouteMatch.ANY, RouteAction.Forward.to("h2"), Duration.ofSeconds(10), HeaderMutations.NONE, HeaderMutations.NONE, policies);
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(r), c).build();
        return later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start());
    }

    static RoutePolicies retries(int n, int retryOn) {
        return RoutePolicies.NONE.withRetry(new RouteRetry(n, Duration.ZERO, retryOn, new int[0], Duration.ofMillis(5)));
    }

    CompletableFuture<HttpResponse<String>> send(ProxyServer p, String path) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(ProxyServer p, String path) throws Exception {
        return send(p, path).get(20, TimeUnit.SECONDS);
    }

    static String flag(HttpResponse<?> r) { return r.headers().firstValue("x-ficus-error").orElse(""); }

    @Test
    void istiosDefaultPolicyRetriesARefusedStream() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(b, RoutePolicies.ISTIO_DEFAULT);
        b.refuseStreams(1);
        HttpResponse<String> r = get(p, "/a");
        assertThat(r.statusCode()).as(flag(r)).isEqualTo(200);
        assertThat(r.body()).isEqualTo("HTTP/2");
        assertThat(b.refused()).isEqualTo(1);
        assertThat(b.connections()).hasSize(1);
        assertThat(b.connections().getFirst().streamIds()).as("the retry is a new stream on the same connection").hasSize(2);
        assertThat(p.stats().listener("main").responses(ResponseFlag.UR)).isZero();
        assertThat(p.stats().listener("main").responses(ResponseFlag.URX)).isZero();
    }

    @Test
    void resetInRetryOnAlsoRetriesARefusedStream() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(b, retries(1, RouteRetry.ON_RESET));
        b.refuseStreams(1);
        HttpResponse<String> r = get(p, "/a");
        assertThat(r.statusCode()).as(flag(r)).isEqualTo(200);
        assertThat(b.refused()).isEqualTo(1);
    }

    @Test
    void aPolicyWithoutRefusedStreamOrResetAnswers503UR() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(b, retries(2, RouteRetry.ON_CONNECT_FAILURE | RouteRetry.ON_RETRIABLE_STATUS_CODES));
        b.refuseStreams(1);
        HttpResponse<String> r = get(p, "/a");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(flag(r)).isEqualTo("UR");
        assertThat(b.refused()).isEqualTo(1);
        assertThat(b.connections().getFirst().streamIds()).as("not retried").hasSize(1);
        assertThat(p.stats().listener("main").responses(ResponseFlag.UR)).isEqualTo(1);
        assertThat(get(p, "/b").statusCode()).as("the connection stays usable").isEqualTo(200);
    }

    @Test
    void aServerThatRefusesEveryAttemptSpendsTheRetriesAndAnswersURX() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(b, RoutePolicies.ISTIO_DEFAULT);
        b.refuseStreams(10);
        HttpResponse<String> r = get(p, "/a");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(flag(r)).as("Envoy's flags: the reset's and URX").isEqualTo("UR,URX");
        assertThat(b.refused()).as("the first attempt and Istio's two retries").isEqualTo(3);
    }

    @Test
    void streamsAboveAGoAwaysLastStreamIdAreRetriedOnANewConnection() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(b, RoutePolicies.ISTIO_DEFAULT);
        assertThat(get(p, "/warm").statusCode()).isEqualTo(200); // the connection learns the server's SETTINGS: it takes many streams
        b.holdAnswers();
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 3; i++) inFlight.add(send(p, "/r" + i));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.active() == 3);
        ProtocolBackend.Conn first = b.connections().getFirst();
        assertThat(b.connections()).hasSize(1);
        List<Integer> ids = first.streamIds();
        assertThat(ids).hasSize(4);
        b.goAway(first, ids.get(1)); // processed: the warm-up and the first of the three; the two above are not
        await().atMost(Duration.ofSeconds(10)).until(() -> b.connections().size() == 2 && b.connections().get(1).streamIds().size() == 2);
        b.release();
        for (var f : inFlight) {
            HttpResponse<String> r = f.get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(flag(r)).isEqualTo(200);
        }
        assertThat(first.served()).isEqualTo(2);
        assertThat(b.connections().get(1).served()).as("the streams the GOAWAY left unprocessed, sent again").isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(first::closed);
        assertThat(p.stats().listener("main").responses(ResponseFlag.UR)).isZero();
        assertThat(p.stats().listener("main").responses(ResponseFlag.URX)).isZero();
    }

    @Test
    void withoutRefusedStreamAGoAwayLeavesTheUnprocessedStreamsFailedUR() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(b, RoutePolicies.NONE);
        assertThat(get(p, "/warm").statusCode()).isEqualTo(200);
        b.holdAnswers();
        var kept = send(p, "/kept");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.active() == 1);
        var dropped = send(p, "/dropped");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.active() == 2);
        ProtocolBackend.Conn first = b.connections().getFirst();
        b.goAway(first, first.streamIds().get(1));
        HttpResponse<String> r = dropped.get(20, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(flag(r)).isEqualTo("UR");
        b.release();
        assertThat(kept.get(20, TimeUnit.SECONDS).statusCode()).as("a stream below the last-stream-id finishes").isEqualTo(200);
        assertThat(b.connections()).hasSize(1);
    }
}
