package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.testing.ProtocolBackend;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DestinationRule's {@code connectionPool.http} settings about the upstream protocol, on real
 * sockets: {@code maxConcurrentStreams} (and the server's SETTINGS_MAX_CONCURRENT_STREAMS) caps
 * the streams of one upstream HTTP/2 connection, more connections opening under
 * {@code tcp.maxConnections}; {@code useClientProtocol} speaks to the upstream in the client's
 * protocol (h2c or HTTP/1.1), whatever the cluster's port says.
 */
class UpstreamProtocolPolicyTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    ProxyServer proxy(ClusterConfig c) throws Exception {
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(c.name()))), c).build();
        return later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start());
    }

    static ConnectionPoolLimits limits(int maxConnections, int maxConcurrentStreams) {
        ConnectionPoolLimits d = ConnectionPoolLimits.DEFAULT;
        return new ConnectionPoolLimits(maxConnections, d.maxPendingRequests(), d.maxRequests(), d.maxRequestsPerConnection(), d.maxRetries(),
                d.idleTimeout(), null, null, null, maxConcurrentStreams);
    }

    static ClusterConfig h2(ProtocolBackend b, ConnectionPoolLimits limits) {
        return ClusterConfig.of("h2", Endpoint.of("127.0.0.1", b.port())).withUpstreamProtocol(UpstreamProtocol.HTTP2).withLimits(limits);
    }

    List<CompletableFuture<HttpResponse<String>>> concurrently(ProxyServer p, int n) {
        List<CompletableFuture<HttpResponse<String>>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + "/r" + i))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        return out;
    }

    static void allOk(List<CompletableFuture<HttpResponse<String>>> responses) throws Exception {
        for (var f : responses) {
            HttpResponse<String> r = f.get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.headers().firstValue("x-ficus-error").orElse("")).isEqualTo(200);
            assertThat(r.body()).isEqualTo("HTTP/2");
        }
    }

    @Test
    void maxConcurrentStreamsOpensAnotherConnectionWhenEveryOneIsFull() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(h2(b, limits(ConnectionPoolLimits.UNLIMITED, 2)));
        b.holdAnswers();
        var responses = concurrently(p, 6);
        await().atMost(Duration.ofSeconds(15)).until(() -> b.active() == 6);
        assertThat(b.connections()).as("6 streams, 2 per connection").hasSize(3)
                .allSatisfy(c -> {
                    assertThat(c.protocol()).isEqualTo("HTTP/2");
                    assertThat(c.maxActive()).isEqualTo(2);
                });
        b.release();
        allOk(responses);
        // the slots came back: the next exchanges reuse the connections
        allOk(concurrently(p, 6));
        assertThat(b.connections()).hasSize(3);
    }

    @Test
    void withoutACapOneConnectionCarriesEveryStream() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(h2(b, limits(ConnectionPoolLimits.UNLIMITED, 0)));
        b.holdAnswers();
        var responses = concurrently(p, 6);
        await().atMost(Duration.ofSeconds(15)).until(() -> b.active() == 6);
        assertThat(b.connections()).hasSize(1);
        assertThat(b.connections().getFirst().maxActive()).isEqualTo(6);
        b.release();
        allOk(responses);
    }

    @Test
    void fullConnectionsAtMaxConnectionsLeaveTheRestPendingUntilAStreamEnds() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(h2(b, limits(2, 2)));
        b.holdAnswers();
        var responses = concurrently(p, 6);
        await().atMost(Duration.ofSeconds(15)).until(() -> b.active() == 4);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> b.active() == 4);
        assertThat(b.connections()).as("tcp.maxConnections bounds the connections").hasSize(2);
        b.release();
        allOk(responses);
        assertThat(b.connections()).hasSize(2);
        assertThat(b.connections()).allSatisfy(c -> assertThat(c.maxActive()).isLessThanOrEqualTo(2));
        assertThat(b.connections().stream().mapToInt(c -> c.served()).sum()).isEqualTo(6);
    }

    @Test
    void theServersOwnStreamLimitIsRespected() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(2));
        ProxyServer p = proxy(h2(b, limits(ConnectionPoolLimits.UNLIMITED, 0)));
        allOk(concurrently(p, 1)); // the first connection learns the server's SETTINGS
        b.holdAnswers();
        var responses = concurrently(p, 6);
        await().atMost(Duration.ofSeconds(15)).until(() -> b.active() >= 4);
        assertThat(b.connections().size()).as("a full connection makes the pool open another").isGreaterThanOrEqualTo(2);
        b.release();
        allOk(responses);
        assertThat(b.connections()).allSatisfy(c -> assertThat(c.maxActive()).as("never over the server's limit").isLessThanOrEqualTo(2));
    }

    static ConnectionPoolLimits perConnection(int maxRequestsPerConnection) {
        ConnectionPoolLimits d = ConnectionPoolLimits.DEFAULT;
        return new ConnectionPoolLimits(d.maxConnections(), d.maxPendingRequests(), d.maxRequests(), maxRequestsPerConnection, d.maxRetries(),
                d.idleTimeout(), null, null, null, 0);
    }

    @Test
    void maxRequestsPerConnectionDrainsAnHttp2ConnectionAfterThatManyStreams() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(h2(b, perConnection(2)));
        for (int i = 0; i < 6; i++) allOk(concurrently(p, 1));
        assertThat(b.connections()).as("two streams per connection").hasSize(3)
                .allSatisfy(c -> assertThat(c.served()).isEqualTo(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.connections().stream().allMatch(ProtocolBackend.Conn::closed));
    }

    @Test
    void aDrainedHttp2ConnectionLetsItsOpenStreamsFinishThenCloses() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer p = proxy(h2(b, perConnection(3)));
        allOk(concurrently(p, 1)); // the first connection learns the server's SETTINGS: it could take every stream
        b.holdAnswers();
        var responses = concurrently(p, 4);
        await().atMost(Duration.ofSeconds(15)).until(() -> b.active() == 4);
        List<ProtocolBackend.Conn> conns = b.connections();
        assertThat(conns).as("the first connection carried 3 streams, the rest went to a new one").hasSize(2);
        assertThat(conns.getFirst().maxActive()).isEqualTo(2);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !conns.getFirst().closed());
        b.release();
        allOk(responses);
        assertThat(conns.getFirst().served()).isEqualTo(3);
        assertThat(conns.get(1).served()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> conns.getFirst().closed());
        assertThat(conns.get(1).closed()).as("under its limit: kept").isFalse();
        allOk(concurrently(p, 1));
        assertThat(b.connections()).hasSize(2);
    }

    /** The body the backend answers a curl request with: the protocol it saw. */
    static String curl(ProxyServer p, String protocolFlag) throws IOException, InterruptedException {
        Process c = new ProcessBuilder("curl", "-s", "--max-time", "10", protocolFlag, "http://127.0.0.1:" + p.listenerPort("main") + "/")
                .redirectErrorStream(true).start();
        String out = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(c.waitFor(15, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void useClientProtocolSpeaksTheClientsProtocolUpstream() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        // a cluster whose port says HTTP/2 would otherwise get HTTP/2 from every client
        ProxyServer p = proxy(ClusterConfig.of("backend", Endpoint.of("127.0.0.1", b.port())).withUpstreamProtocol(UpstreamProtocol.CLIENT));
        assertThat(curl(p, "--http2-prior-knowledge")).isEqualTo("HTTP/2");
        assertThat(curl(p, "--http1.1")).isEqualTo("HTTP/1.1");
        assertThat(curl(p, "--http2-prior-knowledge")).isEqualTo("HTTP/2");
        assertThat(b.connections()).extracting(c -> c.protocol()).as("one connection per protocol, each reused")
                .containsExactly("HTTP/2", "HTTP/1.1");
    }

    @Test
    void withoutUseClientProtocolTheClustersProtocolHolds() throws Exception {
        ProtocolBackend b = later(new ProtocolBackend(0));
        ProxyServer h1 = proxy(ClusterConfig.of("h1", Endpoint.of("127.0.0.1", b.port())));
        assertThat(curl(h1, "--http2-prior-knowledge")).isEqualTo("HTTP/1.1");
        ProxyServer h2 = proxy(ClusterConfig.of("h2", Endpoint.of("127.0.0.1", b.port())).withUpstreamProtocol(UpstreamProtocol.HTTP2));
        assertThat(curl(h2, "--http1.1")).isEqualTo("HTTP/2");
    }
}
