package dev.ficus.cli;

import dev.ficus.testing.ClosedPort;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.GrpcStrings;
import dev.ficus.testing.ProtocolBackend;
import dev.ficus.testing.TcpEchoServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./ficus proxy} as a process on Istio YAML, driven by real clients over protocols other
 * than HTTP/1.1: h2c with prior knowledge from curl, a weighted VirtualService {@code tcp} route on
 * a Sidecar egress TCP listener, and gRPC (unary, streaming, error status) to a GRPC service port.
 */
class ProxyProtocolsIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private List<String> log = List.of();
    private Process proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null && proxy.isAlive()) proxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        for (AutoCloseable c : cleanup) c.close();
    }


    ProxyProcess.Ports start(Path config) throws IOException {
        ProxyProcess p = ProxyProcess.start(config);
        cleanup.add(p);
        proxy = p.process();
        log = p.log();
        return p.ports();
    }

    private FakeUpstream upstream(String name) {
        FakeUpstream u = FakeUpstream.start(name);
        cleanup.add(u);
        return u;
    }

    // ---- h2c

    record Curl(int exit, String out) {
    }

    static Curl curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("curl finished").isTrue();
        return new Curl(p.exitValue(), out);
    }

    @Test
    void h2cWithPriorKnowledgeIsRoutedLikeHttp1(@TempDir Path dir) throws Exception {
        FakeUpstream v1 = upstream("v1");
        FakeUpstream v2 = upstream("v2");
        Files.writeString(dir.resolve("shop.yaml"), ProxyCommandIT.shop(v1, v2, 100));
        ProxyProcess.Ports ports = start(dir);
        String url = "http://127.0.0.1:" + ports.outbound() + "/reviews/h2";

        Curl plain = curl("--http2-prior-knowledge", "-H", "Host: reviews:9080", "-w", " %{http_version} %{http_code}", url);
        assertThat(plain.exit()).as(plain.out()).isZero();
        assertThat(plain.out()).isEqualTo("v1 2 200");

        Curl jason = curl("--http2-prior-knowledge", "-H", "Host: reviews:9080", "-H", "end-user: jason", "-w", " %{http_version} %{http_code}", url);
        assertThat(jason.out()).isEqualTo("v2 2 200");

        Curl none = curl("--http2-prior-knowledge", "-H", "Host: nowhere.invalid", "-D", "-", "-o", "/dev/null", url);
        assertThat(none.out()).startsWith("HTTP/2 503").containsIgnoringCase("x-ficus-error: DF"); // passed through (ALLOW_ANY), does not resolve

        assertThat(v1.seen()).anyMatch(s -> s.path().equals("/reviews/h2"));
        assertThat(v2.seen()).anyMatch(s -> s.path().equals("/reviews/h2") && "jason".equals(s.header("end-user")));
    }

    @Test
    void hostsOutsideTheRegistryGoThroughTheSidecarsEgressProxy(@TempDir Path dir) throws Exception {
        FakeUpstream egress = upstream("egress");
        FakeUpstream outside = upstream("outside");
        Files.writeString(dir.resolve("egress.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: egress, namespace: shop}
                spec:
                  hosts: [egress.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 3128, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: shop}
                spec:
                  outboundTrafficPolicy:
                    mode: ALLOW_ANY
                    egressProxy: {host: egress.shop.svc.cluster.local, port: {number: 3128}}
                """.formatted(egress.port()));
        ProxyProcess.Ports ports = start(dir);
        String proxyUrl = "http://127.0.0.1:" + ports.outbound();
        // an app using the proxy as HTTP_PROXY, for a host outside the registry: to the egress proxy, Host kept
        Curl viaProxy = curl("-x", proxyUrl, "-w", " %{http_code}", "http://localhost:" + outside.port() + "/api?q=1");
        assertThat(viaProxy.out()).isEqualTo("egress 200");
        assertThat(egress.seen().getLast().header("host")).isEqualTo("localhost:" + outside.port());
        assertThat(egress.seen().getLast().path()).isEqualTo("/api?q=1");
        // a name that does not resolve is no DF here: only the egress proxy's address is needed
        Curl h2c = curl("--http2-prior-knowledge", "-H", "Host: nowhere.invalid", "-w", " %{http_version} %{http_code}", proxyUrl + "/h2");
        assertThat(h2c.out()).isEqualTo("egress 2 200");
        assertThat(egress.seen().getLast().header("host")).isEqualTo("nowhere.invalid");
        assertThat(outside.requestCount()).as("never contacted directly").isZero();
        assertThat(log).noneMatch(l -> l.contains("egressProxy"));
    }

    @Test
    void aDestinationRuleKeepsTheClientsProtocolAndCapsStreamsPerUpstreamConnection(@TempDir Path dir) throws Exception {
        ProtocolBackend backend = new ProtocolBackend(0);
        cleanup.add(backend);
        Files.writeString(dir.resolve("api.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api, namespace: shop}
                spec:
                  hosts: [api.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http2, protocol: HTTP2}]
                  endpoints: [{address: 127.0.0.1, ports: {http2: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: api, namespace: shop}
                spec:
                  host: api.shop.svc.cluster.local
                  trafficPolicy:
                    tls: {mode: DISABLE}
                    connectionPool: {http: {useClientProtocol: true, maxConcurrentStreams: 2}}
                """.formatted(backend.port()));
        ProxyProcess.Ports ports = start(dir);
        String url = "http://127.0.0.1:" + ports.outbound() + "/";
        // the port says HTTP2, but the upstream hears what each client spoke
        assertThat(curl("--http1.1", "-H", "Host: api:8080", url).out()).isEqualTo("HTTP/1.1");
        assertThat(curl("--http2-prior-knowledge", "-H", "Host: api:8080", url).out()).isEqualTo("HTTP/2");
        // four streams at once from one h2c client: two per upstream HTTP/2 connection
        backend.holdAnswers();
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "--no-progress-meter", "--max-time", "20", "--http2-prior-knowledge", "--parallel",
                "--parallel-immediate", "-H", "Host: api:8080", "-w", "%{http_version} %{http_code}\\n"));
        for (int i = 0; i < 4; i++) cmd.addAll(List.of("-o", "/dev/null", url + "p" + i));
        Process parallel = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(15)).until(() -> backend.active() == 4);
        List<ProtocolBackend.Conn> h2 = backend.connections().stream().filter(c -> c.protocol().equals("HTTP/2")).toList();
        assertThat(h2).hasSize(2).allSatisfy(c -> assertThat(c.maxActive()).isEqualTo(2));
        backend.release();
        String out = new String(parallel.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(parallel.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(out.lines()).containsExactly("2 200", "2 200", "2 200", "2 200");
    }

    // ---- TCP

    static String db(int listenerPort, TcpEchoServer a, TcpEchoServer b) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db, namespace: shop}
                spec:
                  hosts: [db.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: %1$d, name: tcp, protocol: TCP}]
                  workloadSelector: {labels: {app: db}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: db-a, namespace: shop}
                spec: {address: 127.0.0.1, ports: {tcp: %2$d}, labels: {app: db, version: a}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: db-b, namespace: shop}
                spec: {address: 127.0.0.1, ports: {tcp: %3$d}, labels: {app: db, version: b}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: db, namespace: shop}
                spec:
                  host: db.shop.svc.cluster.local
                  subsets:
                  - {name: a, labels: {version: a}}
                  - {name: b, labels: {version: b}}
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: shop}
                spec:
                  egress:
                  - port: {number: %1$d, protocol: TCP, name: db}
                    bind: 127.0.0.1
                    hosts: ["./*"]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: db, namespace: shop}
                spec:
                  hosts: [db.shop.svc.cluster.local]
                  tcp:
                  - match: [{port: %1$d}]
                    route:
                    - {destination: {host: db.shop.svc.cluster.local, subset: a, port: {number: %1$d}}, weight: 50}
                    - {destination: {host: db.shop.svc.cluster.local, subset: b, port: {number: %1$d}}, weight: 50}
                """.formatted(listenerPort, a.port(), b.port());
    }

    /** One connection through the listener: a line out, the echoed line back, then a half-close answered by {@code name:bye}. */
    static List<String> exchange(int port, String line) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            List<String> got = new ArrayList<>();
            got.add(in.readLine());
            s.shutdownOutput();
            got.add(in.readLine());
            return got;
        }
    }

    @Test
    void aWeightedTcpRouteOnASidecarEgressListenerSplitsConnections(@TempDir Path dir) throws Exception {
        TcpEchoServer a = TcpEchoServer.start("a");
        TcpEchoServer b = TcpEchoServer.start("b");
        cleanup.add(a);
        cleanup.add(b);
        int listener = ClosedPort.find();
        Files.writeString(dir.resolve("db.yaml"), db(listener, a, b));
        start(dir);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> exchange(listener, "ping").getFirst().endsWith(":ping"));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            List<String> got = exchange(listener, "n" + i);
            String name = got.getFirst().substring(0, got.getFirst().indexOf(':'));
            assertThat(got).containsExactly(name + ":n" + i, name + ":bye");
            counts.merge(name, 1, Integer::sum);
        }
        assertThat(counts.keySet()).containsExactlyInAnyOrder("a", "b");
        assertThat(counts.get("a")).isBetween(70, 130);
        assertThat(counts.get("b")).isBetween(70, 130);
        assertThat(log).noneMatch(l -> l.contains("is skipped"));
    }

    // ---- gRPC

    static final MethodDescriptor<String, String> SAY = GrpcStrings.method("Say", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> COUNT = GrpcStrings.method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<String, String> FAIL = GrpcStrings.method("Fail", MethodDescriptor.MethodType.UNARY);

    Server grpcServer() throws IOException {
        ServerServiceDefinition svc = ServerServiceDefinition.builder("ficus.test.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((req, obs) -> {
                    obs.onNext("echo:" + req);
                    obs.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, obs) -> {
                    for (int i = 0; i < 50; i++) obs.onNext(req + i);
                    obs.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((req, obs) -> obs.onError(Status.NOT_FOUND.withDescription("no " + req).asRuntimeException())))
                .build();
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(svc).build().start();
        cleanup.add(() -> s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return s;
    }

    static String echo(int grpcPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo, namespace: shop}
                spec:
                  hosts: [echo.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9000, name: grpc, protocol: GRPC}]
                  workloadSelector: {labels: {app: echo}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: echo-1, namespace: shop}
                spec: {address: 127.0.0.1, ports: {grpc: %d}, labels: {app: echo}}
                """.formatted(grpcPort);
    }

    @Test
    void grpcUnaryStreamingAndErrorStatusGoThroughTheProxy(@TempDir Path dir) throws Exception {
        Server server = grpcServer();
        Files.writeString(dir.resolve("echo.yaml"), echo(server.getPort()));
        ProxyProcess.Ports ports = start(dir);
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", ports.outbound()).overrideAuthority("echo:9000").usePlaintext().build();
        cleanup.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        CallOptions opts = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);

        for (int i = 0; i < 20; i++) assertThat(ClientCalls.blockingUnaryCall(ch, SAY, opts, "hi" + i)).isEqualTo("echo:hi" + i);
        List<String> streamed = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(ch, COUNT, opts, "n").forEachRemaining(streamed::add);
        assertThat(streamed).hasSize(50).startsWith("n0", "n1").endsWith("n49");
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, FAIL, opts, "thing"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no thing");
                });
    }
}
