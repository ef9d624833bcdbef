package dev.ficus.proxy.telemetry.accesslog;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ficus.proxy.ProxyServer;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.JwtPolicies;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.MtlsMode;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.TcpRouteTable;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.TelemetryPolicy.AccessLog;
import dev.ficus.xds.snapshot.VirtualHost;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Access log lines as a user reads them, through a real proxy on port 0 with a real upstream: the
 * fields of a proxied 200 and of local replies, the Telemetry filter, the proxy's default, and a
 * destination that stops reading (lines dropped and counted, requests unaffected).
 */
class AccessLogTest {
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
        client.close();
    }

    /** Collects what the writer writes, line by line. */
    static final class Lines extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override public synchronized void write(int b) { bytes.write(b); }

        @Override public synchronized void write(byte[] b, int off, int len) { bytes.write(b, off, len); }

        synchronized List<JsonObject> json() {
            String all = bytes.toString(StandardCharsets.UTF_8);
            List<JsonObject> out = new ArrayList<>();
            for (String l : all.split("\n")) if (!l.isEmpty()) out.add(JsonParser.parseString(l).getAsJsonObject());
            return out;
        }

        synchronized String text() { return bytes.toString(StandardCharsets.UTF_8); }
    }

    static ListenerConfig listener(ListenerKind kind, AccessLog policy) {
        return new ListenerConfig("main", new HostPort("127.0.0.1", 0), kind, ListenerProtocol.HTTP, "main", TcpRouteTable.EMPTY,
                AuthzPolicies.NONE, MtlsMode.DISABLE, null, JwtPolicies.NONE, TelemetryPolicy.DEFAULT.withAccessLog(policy));
    }

    /** {@code /api...} and {@code /delay...} go to {@code u}, {@code /uh} to a cluster without endpoints, anything else matches no route. */
    static ProxySnapshot snapshot(ListenerConfig l, FakeUpstream u) {
        return ProxySnapshot.builder("1")
                .listener(l)
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"), List.of(
                        new Route("api", RouteMatch.prefix("/api"), RouteAction.Forward.to(u.name())),
                        new Route("slow", RouteMatch.prefix("/delay"), RouteAction.Forward.to(u.name())),
                        new Route("uh", RouteMatch.prefix("/uh"), RouteAction.Forward.to("empty")))))))
                .cluster(ClusterConfig.of(u.name(), Endpoint.of(u.host(), u.port())))
                .cluster(ClusterConfig.of("empty"))
                .build();
    }

    FakeUpstream upstream(String name) {
        FakeUpstream u = FakeUpstream.start(name);
        closeLater.add(u);
        return u;
    }

    ProxyServer proxy(ProxySnapshot s, AccessLogger log) throws Exception {
        closeLater.add(log);
        ProxyServer p = ProxyServer.builder().snapshot(s).observer(log).concurrency(1).adminPort(0).build();
        p.stats().register(log::prometheus);
        closeLater.add(p.start());
        return p;
    }

    HttpResponse<String> get(ProxyServer p, String path, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) r.headers(headers);
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    String prometheus(ProxyServer p) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.adminPort() + "/stats/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aProxiedRequestIsOneLineWithIstiosFields() throws Exception {
        FakeUpstream u = upstream("reviews");
        Lines out = new Lines();
        ProxyServer p = proxy(snapshot(listener(ListenerKind.OUTBOUND, AccessLog.DEFAULT), u), AccessLogger.to(out, AccessLogConfig.logAll("-", 100)));
        long before = System.currentTimeMillis();

        HttpResponse<String> r = get(p, "/api/items?page=2", "user-agent", "shop-ui/1.0", "x-request-id", "req-42");

        assertThat(r.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> out.json().size() == 1);
        JsonObject line = out.json().getFirst();
        assertThat(line.get("method").getAsString()).isEqualTo("GET");
        assertThat(line.get("path").getAsString()).isEqualTo("/api/items?page=2");
        assertThat(line.get("protocol").getAsString()).isEqualTo("HTTP/1.1");
        assertThat(line.get("response_code").getAsInt()).isEqualTo(200);
        assertThat(line.get("response_flags").getAsString()).isEqualTo("-");
        assertThat(line.get("bytes_received").getAsLong()).isZero();
        assertThat(line.get("bytes_sent").getAsLong()).isEqualTo("reviews".length());
        assertThat(line.get("upstream_host").getAsString()).isEqualTo(u.host() + ":" + u.port());
        assertThat(line.get("upstream_cluster").getAsString()).isEqualTo("reviews");
        assertThat(line.get("route_name").getAsString()).isEqualTo("api");
        assertThat(line.get("request_id").getAsString()).isEqualTo("req-42");
        assertThat(line.get("authority").getAsString()).isEqualTo("127.0.0.1:" + p.listenerPort("main"));
        assertThat(line.get("user_agent").getAsString()).isEqualTo("shop-ui/1.0");
        assertThat(line.get("downstream_remote_address").getAsString()).isEqualTo("127.0.0.1");
        assertThat(line.get("trace_id").isJsonNull()).as("no tracing in this proxy").isTrue();
        assertThat(line.get("grpc_status").isJsonNull()).isTrue();
        assertThat(line.get("downstream_peer_uri_san").isJsonNull()).as("plaintext").isTrue();
        assertThat(line.get("upstream_peer_uri_san").isJsonNull()).isTrue();
        String start = line.get("start_time").getAsString();
        assertThat(start).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
        assertThat(Instant.parse(start).toEpochMilli()).isBetween(before, System.currentTimeMillis());
        assertThat(line.get("duration").getAsLong()).isBetween(0L, 5000L);
        assertThat(out.text()).as("one line, newline-terminated").endsWith("}\n").doesNotContain("\n{\n");
    }

    @Test
    void localRepliesAreLoggedWithTheirResponseFlags() throws Exception {
        FakeUpstream u = upstream("reviews");
        Lines out = new Lines();
        ProxyServer p = proxy(snapshot(listener(ListenerKind.OUTBOUND, AccessLog.ALL), u), AccessLogger.to(out, AccessLogConfig.TELEMETRY_ONLY));

        assertThat(get(p, "/uh").statusCode()).isEqualTo(503);
        assertThat(get(p, "/nowhere").statusCode()).isEqualTo(404);

        await().atMost(Duration.ofSeconds(5)).until(() -> out.json().size() == 2);
        JsonObject uh = out.json().get(0), nr = out.json().get(1);
        assertThat(uh.get("response_code").getAsInt()).isEqualTo(503);
        assertThat(uh.get("response_flags").getAsString()).isEqualTo("UH");
        assertThat(uh.get("upstream_cluster").getAsString()).isEqualTo("empty");
        assertThat(uh.get("upstream_host").isJsonNull()).as("no endpoint was chosen").isTrue();
        assertThat(uh.get("route_name").getAsString()).isEqualTo("uh");
        assertThat(nr.get("response_code").getAsInt()).isEqualTo(404);
        assertThat(nr.get("response_flags").getAsString()).isEqualTo("NR");
        assertThat(nr.get("route_name").isJsonNull()).isTrue();
        assertThat(nr.get("upstream_cluster").isJsonNull()).isTrue();
    }

    @Test
    void aTelemetryFilterLogsOnlyWhatItMatches() throws Exception {
        FakeUpstream u = upstream("reviews");
        Lines out = new Lines();
        AccessLog errorsOnly = new AccessLog(AccessLog.State.ON, "response.code >= 400");
        ProxyServer p = proxy(snapshot(listener(ListenerKind.OUTBOUND, errorsOnly), u), AccessLogger.to(out, AccessLogConfig.TELEMETRY_ONLY));

        assertThat(get(p, "/api/ok").statusCode()).isEqualTo(200);
        assertThat(get(p, "/nowhere").statusCode()).isEqualTo(404);
        assertThat(get(p, "/uh").statusCode()).isEqualTo(503);
        assertThat(get(p, "/api/fine").statusCode()).isEqualTo(200);

        // one event loop, one ring: had the 200 been logged, its line would come first
        await().atMost(Duration.ofSeconds(5)).until(() -> out.json().size() >= 2);
        assertThat(out.json()).extracting(j -> j.get("response_code").getAsInt()).containsExactly(404, 503);
        await().atMost(Duration.ofSeconds(5)).until(() -> prometheus(p).contains("ficus_access_log_lines_total{result=\"written\"} 2\n"));
    }

    @Test
    void thePolicyAndTheProxysDefaultDecideWhichListenersLog() throws Exception {
        try (AccessLogger byDefault = AccessLogger.to(new Lines(), AccessLogConfig.logAll("-", 100));
             AccessLogger telemetryOnly = AccessLogger.to(new Lines(), AccessLogConfig.TELEMETRY_ONLY)) {
            assertThat(byDefault.forListener(listener(ListenerKind.INBOUND, AccessLog.DEFAULT))).as("--access-log: every listener").isNotNull();
            assertThat(byDefault.forListener(listener(ListenerKind.INBOUND, AccessLog.OFF))).as("unless a Telemetry turns it off").isNull();
            assertThat(telemetryOnly.forListener(listener(ListenerKind.INBOUND, AccessLog.DEFAULT))).as("no flag, no Telemetry").isNull();
            assertThat(telemetryOnly.forListener(listener(ListenerKind.OUTBOUND, new AccessLog(AccessLog.State.ON, "response.code >= 500"))))
                    .isInstanceOfSatisfying(ListenerAccessLog.class, l -> assertThat(l.filter().expression()).isEqualTo("response.code >= 500"));
            assertThat(telemetryOnly.written()).isZero();
        }
    }

    @Test
    void aFilterTheProxyCannotEvaluateRefusesTheSnapshot() throws Exception {
        FakeUpstream u = upstream("reviews");
        Lines out = new Lines();
        ProxyServer p = proxy(snapshot(listener(ListenerKind.OUTBOUND, AccessLog.ALL), u), AccessLogger.to(out, AccessLogConfig.TELEMETRY_ONLY));
        ProxySnapshot bad = snapshot(listener(ListenerKind.OUTBOUND, new AccessLog(AccessLog.State.ON, "response.code >= '400'")), u);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.update(bad))
                .hasMessageContaining("access-log filter 'response.code >= '400'' cannot be evaluated: column 15: operator >= cannot compare an int with a string");
        assertThat(get(p, "/api/still").statusCode()).as("the old snapshot serves").isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> out.json().size() == 1);
    }

    /** Blocks every write until released, like a pipe nobody reads. */
    static final class StuckStream extends OutputStream {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch stuck = new CountDownLatch(1);
        final Lines lines = new Lines();

        @Override public void write(int b) throws IOException { write(new byte[]{(byte) b}, 0, 1); }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            stuck.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            lines.write(b, off, len);
        }
    }

    @Test
    void aDestinationThatStopsReadingCostsLinesNotLatency() throws Exception {
        FakeUpstream u = upstream("reviews");
        StuckStream stuck = new StuckStream();
        AccessLogger log = AccessLogger.to(stuck, AccessLogConfig.logAll("-", 100).withCapacity(16));
        ProxyServer p = proxy(snapshot(listener(ListenerKind.OUTBOUND, AccessLog.DEFAULT), u), log);

        // the first line reaches the destination and blocks the writer in write(); the ring fills behind it
        assertThat(get(p, "/api/first").statusCode()).isEqualTo(200);
        assertThat(stuck.stuck.await(5, TimeUnit.SECONDS)).as("the writer is blocked in write()").isTrue();
        int n = 300;
        long slowest = 0;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            assertThat(get(p, "/api/" + i).statusCode()).isEqualTo(200);
            slowest = Math.max(slowest, System.nanoTime() - t0);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> log.dropped() >= n - 16);
        assertThat(log.written()).as("nothing got through yet").isZero();
        assertThat(TimeUnit.NANOSECONDS.toMillis(slowest)).as("no request waited for the log").isLessThan(2000);

        stuck.release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> log.written() + log.dropped() == n + 1);
        assertThat(log.written()).as("the blocked line and the ring's").isEqualTo(1 + 16);
        assertThat(stuck.lines.json()).hasSize((int) log.written());
        String prom = prometheus(p);
        assertThat(prom).contains("ficus_access_log_lines_total{result=\"written\"} " + log.written() + "\n",
                "ficus_access_log_lines_total{result=\"dropped\"} " + log.dropped() + "\n",
                "ficus_access_log_lines_total{result=\"failed\"} 0\n");
    }

    @Test
    void aFailingDestinationCountsItsLostLines() throws Exception {
        FakeUpstream u = upstream("reviews");
        OutputStream broken = new OutputStream() {
            @Override public void write(int b) throws IOException { throw new IOException("No space left on device"); }
        };
        AccessLogger log = AccessLogger.to(broken, AccessLogConfig.logAll("-", 100));
        ProxyServer p = proxy(snapshot(listener(ListenerKind.OUTBOUND, AccessLog.DEFAULT), u), log);

        for (int i = 0; i < 3; i++) assertThat(get(p, "/api/" + i).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).until(() -> log.failed() == 3);
        assertThat(prometheus(p)).contains("ficus_access_log_lines_total{result=\"failed\"} 3\n");
    }
}
