package dev.ficus.proxy.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.ProxyServer;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.GrpcStrings;
import dev.ficus.testing.RawHttp;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.MtlsMode;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import dev.ficus.xds.snapshot.UpstreamTls;
import dev.ficus.xds.snapshot.VirtualHost;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * istio_request_messages_total and istio_response_messages_total through a real proxy between a
 * real grpc-java client and server: client-, server- and bidi-streaming RPCs, counted while the
 * streams last, with Telemetry overrides applied, and no series for plain HTTP.
 */
class GrpcMessagesTest {
    static final MethodDescriptor<String, String> JOIN = GrpcStrings.method("Join", MethodDescriptor.MethodType.CLIENT_STREAMING);
    static final MethodDescriptor<String, String> COUNT = GrpcStrings.method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<String, String> HOLD = GrpcStrings.method("Hold", MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<String, String> SAY = GrpcStrings.method("Say", MethodDescriptor.MethodType.UNARY);
    static final CallOptions OPTS = CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);

    final List<AutoCloseable> cleanup = new ArrayList<>();
    /** Hold answers 3 messages, then waits for this before its last 2. */
    final CountDownLatch release = new CountDownLatch(1);
    /** Messages Join received so far. */
    final AtomicInteger joined = new AtomicInteger();

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    Server grpcServer() throws IOException {
        ServerServiceDefinition svc = ServerServiceDefinition.builder("ficus.test.Echo")
                .addMethod(JOIN, ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<>() {
                    final StringBuilder all = new StringBuilder();

                    @Override public void onNext(String v) {
                        all.append(v);
                        joined.incrementAndGet();
                    }

                    @Override public void onError(Throwable t) {}

                    @Override public void onCompleted() {
                        out.onNext(all.toString());
                        out.onCompleted();
                    }
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    for (int i = 0; i < 100; i++) out.onNext(req + i);
                    out.onCompleted();
                }))
                .addMethod(HOLD, ServerCalls.asyncServerStreamingCall((req, out) -> CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 3; i++) out.onNext(req + i);
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.onNext("last");
                    out.onNext("really last");
                    out.onCompleted();
                })))
                .addMethod(SAY, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext("echo:" + req);
                    out.onCompleted();
                }))
                .build();
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(svc).build().start();
        cleanup.add(() -> s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return s;
    }

    ManagedChannel channel(int port) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        cleanup.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return ch;
    }

    /** A proxy whose listener "main" (outbound: reporter source; inbound: destination) forwards everything to {@code port}. */
    ProxyServer proxy(ListenerKind kind, int port, UpstreamProtocol protocol, TelemetryPolicy telemetry) throws Exception {
        ListenerConfig l = kind == ListenerKind.INBOUND
                ? new ListenerConfig("main", new HostPort("127.0.0.1", 0), kind, ListenerProtocol.HTTP, "main", null, AuthzPolicies.NONE, MtlsMode.PERMISSIVE)
                : new ListenerConfig("main", new HostPort("127.0.0.1", 0), kind, ListenerProtocol.HTTP, "main");
        String cluster = kind == ListenerKind.INBOUND ? "inbound|9080||" : "outbound|9080||echo.shop.svc.cluster.local";
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(l.withTelemetry(telemetry))
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"), List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(cluster)))))))
                .cluster(ClusterConfig.of(cluster, Endpoint.of("127.0.0.1", port)).withUpstreamProtocol(protocol).withTls(UpstreamTls.DISABLE))
                .build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start();
        cleanup.add(p::close);
        return p;
    }

    /** The value of the only series of {@code metric} (fails when there is none or several). */
    static String only(ProxyServer p, String metric) {
        List<String> lines = lines(p.stats().prometheus(), metric);
        assertThat(lines).as(metric).hasSize(1);
        return lines.getFirst().substring(lines.getFirst().lastIndexOf(' ') + 1);
    }

    static List<String> lines(String text, String metric) {
        return text.lines().filter(l -> l.startsWith(metric + "{")).toList();
    }

    static Map<String, String> labels(String line) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        Matcher x = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(line.substring(line.indexOf('{'), line.lastIndexOf('}')));
        while (x.find()) m.put(x.group(1), x.group(2));
        return m;
    }

    static void awaitMessages(ProxyServer p, String requests, String responses) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(only(p, "istio_request_messages_total")).isEqualTo(requests);
            assertThat(only(p, "istio_response_messages_total")).isEqualTo(responses);
        });
    }

    @Test
    void clientAndServerStreamingMessagesAreCountedOnTheEdgesSeries() throws Exception {
        Server server = grpcServer();
        ProxyServer p = proxy(ListenerKind.OUTBOUND, server.getPort(), UpstreamProtocol.HTTP2, TelemetryPolicy.DEFAULT);
        ManagedChannel ch = channel(p.listenerPort("main"));

        CompletableFuture<String> joinedReply = new CompletableFuture<>();
        StreamObserver<String> up = ClientCalls.asyncClientStreamingCall(ch.newCall(JOIN, OPTS), observer(joinedReply));
        for (int i = 0; i < 7; i++) up.onNext("m" + i);
        up.onCompleted();
        assertThat(joinedReply.get(20, TimeUnit.SECONDS)).isEqualTo("m0m1m2m3m4m5m6");
        awaitMessages(p, "7", "1");

        List<String> streamed = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(ch, COUNT, OPTS, "n").forEachRemaining(streamed::add);
        assertThat(streamed).hasSize(100);
        awaitMessages(p, "8", "101");

        String text = p.stats().prometheus();
        Map<String, String> l = labels(lines(text, "istio_request_messages_total").getFirst());
        assertThat(l).containsEntry("reporter", "source").containsEntry("destination_service", "echo.shop.svc.cluster.local")
                .containsEntry("destination_service_name", "echo").containsEntry("destination_service_namespace", "shop")
                .as("as in Istio, message counters carry the edge's labels, not the outcome's")
                .doesNotContainKeys("response_code", "grpc_response_status", "request_protocol", "response_flags", "connection_security_policy");
        assertThat(labels(lines(text, "istio_response_messages_total").getFirst())).isEqualTo(l);
        assertThat(text).contains("# TYPE istio_request_messages_total counter\n", "# TYPE istio_response_messages_total counter\n");
        // the exchanges themselves are counted as before
        assertThat(lines(text, "istio_requests_total")).singleElement().satisfies(r -> assertThat(r)
                .contains("request_protocol=\"grpc\"", "grpc_response_status=\"0\"").endsWith(" 2"));
    }

    @Test
    void aServerStreamsMessagesShowBeforeItEndsAndTheRestWhenItDoes() throws Exception {
        Server server = grpcServer();
        ProxyServer p = proxy(ListenerKind.OUTBOUND, server.getPort(), UpstreamProtocol.HTTP2, TelemetryPolicy.DEFAULT);
        Iterator<String> it = ClientCalls.blockingServerStreamingCall(channel(p.listenerPort("main")), HOLD, OPTS, "h");
        for (int i = 0; i < 3; i++) assertThat(it.next()).isEqualTo("h" + i);

        awaitMessages(p, "1", "3"); // the stream is still open
        assertThat(lines(p.stats().prometheus(), "istio_requests_total")).as("the exchange has not ended").isEmpty();

        release.countDown();
        List<String> rest = new ArrayList<>();
        it.forEachRemaining(rest::add);
        assertThat(rest).containsExactly("last", "really last");
        awaitMessages(p, "1", "5");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lines(p.stats().prometheus(), "istio_requests_total")).hasSize(1));
    }

    @Test
    void aServerSideCountsTheClientsMessagesAsTheyArrive() throws Exception {
        Server server = grpcServer();
        ProxyServer p = proxy(ListenerKind.INBOUND, server.getPort(), UpstreamProtocol.HTTP2,
                TelemetryPolicy.DEFAULT.withLocal(new TelemetryPolicy.PeerWorkload("echo-v1", "shop", "echo", "v1")));
        CompletableFuture<String> reply = new CompletableFuture<>();
        StreamObserver<String> up = ClientCalls.asyncClientStreamingCall(channel(p.listenerPort("main")).newCall(JOIN, OPTS), observer(reply));
        for (int i = 0; i < 4; i++) up.onNext("x" + i);
        await().atMost(Duration.ofSeconds(10)).until(() -> joined.get() == 4);

        // no response head yet: the server side knows its edge from the request
        awaitMessages(p, "4", "0");
        assertThat(labels(lines(p.stats().prometheus(), "istio_request_messages_total").getFirst()))
                .containsEntry("reporter", "destination").containsEntry("destination_workload", "echo-v1");

        up.onNext("x4");
        up.onCompleted();
        assertThat(reply.get(20, TimeUnit.SECONDS)).isEqualTo("x0x1x2x3x4");
        awaitMessages(p, "5", "1");
    }

    @Test
    void telemetryOverridesDisableOrRetagEachMessageCounter() throws Exception {
        Server server = grpcServer();
        TelemetryPolicy.Metrics m = new TelemetryPolicy.Metrics(true, List.of(
                new TelemetryPolicy.MetricOverride("istio_request_messages_total", true, List.of(), Map.of()),
                new TelemetryPolicy.MetricOverride("istio_response_messages_total", false, List.of("source_version"), Map.of("team", "'payments'", "rpc", "request.url_path"))));
        ProxyServer p = proxy(ListenerKind.OUTBOUND, server.getPort(), UpstreamProtocol.HTTP2, TelemetryPolicy.DEFAULT.withMetrics(m));
        ManagedChannel ch = channel(p.listenerPort("main"));
        assertThat(ClientCalls.blockingUnaryCall(ch, SAY, OPTS, "a")).isEqualTo("echo:a");
        List<String> streamed = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(ch, COUNT, OPTS, "n").forEachRemaining(streamed::add);
        assertThat(streamed).hasSize(100);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String text = p.stats().prometheus();
            assertThat(lines(text, "istio_requests_total")).hasSize(2);
            assertThat(lines(text, "istio_request_messages_total")).as("disabled").isEmpty();
            List<String> resp = lines(text, "istio_response_messages_total");
            assertThat(resp).hasSize(2).allSatisfy(r -> assertThat(labels(r)).containsEntry("team", "payments").doesNotContainKey("source_version"));
            assertThat(resp).anySatisfy(r -> assertThat(r).contains("rpc=\"/ficus.test.Echo/Say\"").endsWith(" 1"))
                    .anySatisfy(r -> assertThat(r).contains("rpc=\"/ficus.test.Echo/Count\"").endsWith(" 100"));
        });
    }

    @Test
    void plainHttpAndGrpcWebCreateNoMessageSeries() throws Exception {
        FakeUpstream app = FakeUpstream.start("app");
        cleanup.add(app);
        ProxyServer p = proxy(ListenerKind.OUTBOUND, app.port(), UpstreamProtocol.HTTP1, TelemetryPolicy.DEFAULT);
        String r = RawHttp.exchange(p.listenerPort("main"), "POST /x HTTP/1.1\r\nHost: echo\r\nContent-Type: application/json\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
                + "\0\0\0\0\0\0\0\0\0\0", Duration.ofSeconds(5)); // bytes that would read as two empty gRPC messages
        assertThat(RawHttp.status(r)).isEqualTo(200);
        // gRPC-Web is not counted either (as in Istio): its text form is base64, its body ends with a trailers frame
        r = RawHttp.exchange(p.listenerPort("main"), "POST /x HTTP/1.1\r\nHost: echo\r\nContent-Type: application/grpc-web+proto\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
                + "\0\0\0\0\0\0\0\0\0\0", Duration.ofSeconds(5));
        assertThat(RawHttp.status(r)).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lines(p.stats().prometheus(), "istio_requests_total")).hasSize(2));
        String text = p.stats().prometheus();
        assertThat(lines(text, "istio_request_messages_total")).isEmpty();
        assertThat(lines(text, "istio_response_messages_total")).isEmpty();
    }

    static <T> StreamObserver<T> observer(CompletableFuture<T> result) {
        return new StreamObserver<>() {
            @Override public void onNext(T v) { result.complete(v); }

            @Override public void onError(Throwable t) { result.completeExceptionally(t); }

            @Override public void onCompleted() {}
        };
    }
}
