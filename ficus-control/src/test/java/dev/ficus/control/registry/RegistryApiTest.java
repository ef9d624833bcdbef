package dev.ficus.control.registry;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The REST API through a real Netty server on 127.0.0.1:0, driven by the JDK's HTTP client. */
class RegistryApiTest {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final String BILLING = """
            {"name":"billing-1","namespace":"shop","address":"127.0.0.1","ports":{"http":19200},
             "labels":{"app":"billing"},"serviceAccount":"billing","ttl":"30s",
             "probe":{"httpGet":{"path":"/healthz","port":19200},"periodSeconds":5,"timeoutSeconds":1,"failureThreshold":3}}
            """;

    private final ManualClock clock = new ManualClock(T0);
    private final HealthChecker health = new HealthChecker(clock, 1);
    private final WorkloadRegistry registry = new WorkloadRegistry(clock, health, Duration.ofHours(1));
    private final HttpClient client = HttpClient.newHttpClient();
    private EventLoopGroup group;
    private Channel server;
    private String base;

    @BeforeEach
    void start() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        RegistryApiHandler api = new RegistryApiHandler(new RegistryApi(registry));
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("codec", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(64 * 1024))
                                .addLast("registry", api)
                                .addLast("other", new OtherApi());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        base = "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    @AfterEach
    void stop() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        client.close();
        registry.close();
        health.close();
    }

    /** Stands for the control plane's other APIs after the registry in the same pipeline. */
    private static final class OtherApi extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
            DefaultFullHttpResponse r = new DefaultFullHttpResponse(msg.protocolVersion(), HttpResponseStatus.valueOf(418));
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            ctx.writeAndFlush(r);
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("content-type", "application/json");
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    @Test
    void postRegistersWith201AndReplacesWith200() throws Exception {
        HttpResponse<String> created = send("POST", "/v1/workloads", BILLING);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(created.headers().firstValue("location")).hasValue("/v1/workloads/shop/billing-1");
        JsonObject body = json(created);
        assertThat(body.get("name").getAsString()).isEqualTo("billing-1");
        assertThat(body.get("namespace").getAsString()).isEqualTo("shop");
        assertThat(body.get("ttl").getAsString()).isEqualTo("30s");
        assertThat(body.get("expiresAt").getAsString()).isEqualTo("2026-03-01T12:00:30Z");

        HttpResponse<String> replaced = send("POST", "/v1/workloads", BILLING.replace("\"billing\"}", "\"billing\",\"version\":\"v2\"}"));
        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(registry.get("shop", "billing-1")).get()
                .satisfies(w -> assertThat(w.registration().labels()).containsEntry("version", "v2"));
        assertThat(registry.asWorkloadEntries()).singleElement()
                .satisfies(r -> assertThat(r.spec().ports()).containsEntry("http", 19200));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "port out of range   | {\"name\":\"a\",\"address\":\"10.0.0.1\",\"ports\":{\"http\":70000}}           | ports.http",
            "port as a string    | {\"name\":\"a\",\"address\":\"10.0.0.1\",\"ports\":{\"http\":\"80\"}}          | ports.http",
            "port not whole      | {\"name\":\"a\",\"address\":\"10.0.0.1\",\"ports\":{\"http\":80.5}}            | ports.http",
            "missing address     | {\"name\":\"a\"}                                                             | address",
            "missing name        | {\"address\":\"10.0.0.1\"}                                                   | name",
            "name not a label    | {\"name\":\"Billing_1\",\"address\":\"10.0.0.1\"}                              | name",
            "name a number       | {\"name\":7,\"address\":\"10.0.0.1\"}                                        | name",
            "bad address         | {\"name\":\"a\",\"address\":\"not an address\"}                                | address",
            "labels not a map    | {\"name\":\"a\",\"address\":\"10.0.0.1\",\"labels\":[\"app\"]}                 | labels",
            "ttl too long        | {\"name\":\"a\",\"address\":\"10.0.0.1\",\"ttl\":\"2h\"}                         | ttl",
            "ttl without unit    | {\"name\":\"a\",\"address\":\"10.0.0.1\",\"ttl\":\"30\"}                         | ttl",
            "two probe kinds     | {\"name\":\"a\",\"address\":\"10.0.0.1\",\"probe\":{\"httpGet\":{\"port\":1},\"tcpSocket\":{\"port\":1}}} | probe",
            "probe port missing  | {\"name\":\"a\",\"address\":\"10.0.0.1\",\"probe\":{\"tcpSocket\":{}}}         | probe.tcpSocket.port",
            "misspelt field      | {\"name\":\"a\",\"adress\":\"10.0.0.1\"}                                       | adress",
    })
    void invalidRegistrationsAreRefusedNamingTheField(String why, String body, String field) throws Exception {
        HttpResponse<String> r = send("POST", "/v1/workloads", body);
        assertThat(r.statusCode()).as(why).isEqualTo(400);
        JsonObject error = json(r);
        assertThat(error.get("field").getAsString()).isEqualTo(field);
        assertThat(error.get("error").getAsString()).isNotBlank();
        assertThat(registry.list()).isEmpty();
    }

    @Test
    void malformedJsonIsRefusedWithItsPosition() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/workloads", "{\"name\": \"a\",\n \"address\" \"10.0.0.1\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonObject error = json(r);
        assertThat(error.get("line").getAsInt()).isEqualTo(2);
        assertThat(error.get("column").getAsInt()).isPositive();
        assertThat(error.get("error").getAsString()).startsWith("malformed JSON at line 2 column ");
        assertThat(error.has("field")).isFalse();
    }

    @Test
    void aBodyOverTheAggregatorLimitIsRefused() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/workloads", "{\"name\":\"" + "a".repeat(70 * 1024) + "\"}");
        assertThat(r.statusCode()).isEqualTo(413);
    }

    @Test
    void aHeartbeatExtendsTheLease() throws Exception {
        assertThat(send("POST", "/v1/workloads", BILLING).statusCode()).isEqualTo(201);
        clock.advance(Duration.ofSeconds(10));
        HttpResponse<String> beat = send("PUT", "/v1/workloads/shop/billing-1/heartbeat", null);
        assertThat(beat.statusCode()).isEqualTo(200);
        assertThat(json(beat).get("expiresAt").getAsString()).isEqualTo("2026-03-01T12:00:40Z");

        clock.advance(Duration.ofSeconds(25));
        assertThat(send("GET", "/v1/workloads/shop/billing-1", null).statusCode()).as("alive past its first lease").isEqualTo(200);
        clock.advance(Duration.ofSeconds(5));
        assertThat(send("PUT", "/v1/workloads/shop/billing-1/heartbeat", null).statusCode()).as("expired").isEqualTo(404);
    }

    @Test
    void aHeartbeatForAnUnknownWorkloadIs404() throws Exception {
        HttpResponse<String> r = send("PUT", "/v1/workloads/shop/nope/heartbeat", null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).get("error").getAsString()).contains("shop/nope");
    }

    @Test
    void deleteDeregistersOnce() throws Exception {
        send("POST", "/v1/workloads", BILLING);
        HttpResponse<String> gone = send("DELETE", "/v1/workloads/shop/billing-1", null);
        assertThat(gone.statusCode()).isEqualTo(204);
        assertThat(gone.body()).isEmpty();
        assertThat(registry.list()).isEmpty();
        assertThat(send("DELETE", "/v1/workloads/shop/billing-1", null).statusCode()).isEqualTo(404);
    }

    @Test
    void getListsWorkloadsWithHealthAndExpiry() throws Exception {
        send("POST", "/v1/workloads", BILLING);
        send("POST", "/v1/workloads", "{\"name\":\"ledger\",\"address\":\"ledger.example.com\",\"ttl\":\"1m\"}");
        HttpResponse<String> r = send("GET", "/v1/workloads", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonArray list = JsonParser.parseString(r.body()).getAsJsonArray();
        assertThat(list).hasSize(2);
        JsonObject ledger = list.get(0).getAsJsonObject();
        assertThat(ledger.get("namespace").getAsString()).isEqualTo("default");
        assertThat(ledger.get("expiresAt").getAsString()).isEqualTo("2026-03-01T12:01:00Z");
        JsonObject billing = list.get(1).getAsJsonObject();
        assertThat(billing.get("name").getAsString()).isEqualTo("billing-1");
        assertThat(billing.get("health").getAsString()).isEqualTo("HEALTHY");
        assertThat(billing.get("address").getAsString()).isEqualTo("127.0.0.1");
        assertThat(billing.getAsJsonObject("ports").get("http").getAsInt()).isEqualTo(19200);
        assertThat(billing.getAsJsonObject("labels").get("app").getAsString()).isEqualTo("billing");
        assertThat(billing.getAsJsonObject("probe").getAsJsonObject("httpGet").get("path").getAsString()).isEqualTo("/healthz");
        assertThat(billing.get("expiresAt").getAsString()).isEqualTo("2026-03-01T12:00:30Z");
    }

    @Test
    void wrongMethodsAre405WithAllow() throws Exception {
        HttpResponse<String> onList = send("PATCH", "/v1/workloads", "{}");
        assertThat(onList.statusCode()).isEqualTo(405);
        assertThat(onList.headers().firstValue("allow")).hasValue("GET, POST");
        HttpResponse<String> onOne = send("POST", "/v1/workloads/shop/billing-1", "{}");
        assertThat(onOne.statusCode()).isEqualTo(405);
        assertThat(onOne.headers().firstValue("allow")).hasValue("GET, DELETE");
        HttpResponse<String> onBeat = send("GET", "/v1/workloads/shop/billing-1/heartbeat", null);
        assertThat(onBeat.statusCode()).isEqualTo(405);
        assertThat(onBeat.headers().firstValue("allow")).hasValue("PUT");
    }

    @Test
    void otherPathsUnderTheApiAre404AndPathsOutsideItPassOn() throws Exception {
        assertThat(send("GET", "/v1/workloads/shop/billing-1/status", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/v1/workloads/shop", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/v1/workloads/a/b/c/d", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/v1/workloadsx", null).statusCode()).as("not ours").isEqualTo(418);
        assertThat(send("GET", "/metrics", null).statusCode()).as("not ours").isEqualTo(418);
    }
}
