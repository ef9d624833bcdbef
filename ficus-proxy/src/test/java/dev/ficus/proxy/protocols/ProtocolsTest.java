package dev.ficus.proxy.protocols;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.ProxyServer;
import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.testing.ClosedPort;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.GrpcStrings;
import dev.ficus.testing.TcpEchoServer;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.TcpRoute;
import dev.ficus.xds.snapshot.TcpRouteTable;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.WeightedCluster;
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
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Protocols of the data plane over real sockets: TCP and TLS passthrough, detection, h2c, gRPC, WebSocket. */
class ProtocolsTest {
    static {
        // the JDK client reads this once per JVM; ProxyServerTest, which may run later in this JVM, needs it
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host,connection");
    }

    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    ProxyServer proxy(ProxySnapshot s) throws Exception {
        return proxy(s, Duration.ofSeconds(5)); // a loaded machine may take long to start a TLS handshake
    }

    ProxyServer proxy(ProxySnapshot s, Duration detectTimeout) throws Exception {
        return later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).detectTimeout(detectTimeout).build().start());
    }

    static ListenerConfig listener(ListenerProtocol protocol, TcpRoute... routes) {
        return new ListenerConfig("main", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, protocol, "main", new TcpRouteTable(List.of(routes)));
    }

    static TcpRoute tcpRoute(String name, List<String> sni, WeightedCluster... to) {
        return new TcpRoute(name, sni, new RouteAction.Forward(List.of(to)));
    }

    static ClusterConfig cluster(String name, int port) { return ClusterConfig.of(name, Endpoint.of("127.0.0.1", port)); }

    static RouteTable forwardAll(String cluster) {
        return new RouteTable("main", List.of(new VirtualHost("all", List.of("*"), List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(cluster))))));
    }

    /** Sends one line, half-closes, and returns everything the far side answered until it closed. */
    static List<String> talk(int port, String line) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).lines().toList();
        }
    }

    // ---- TCP

    @Test
    void tcpRouteSplicesBytesToWeightedClustersAndHalfClosesBothWays() throws Exception {
        TcpEchoServer a = later(TcpEchoServer.start("a"));
        TcpEchoServer b = later(TcpEchoServer.start("b"));
        ProxyServer p = proxy(ProxySnapshot.builder("1")
                .listener(listener(ListenerProtocol.TCP, tcpRoute("split", List.of(), new WeightedCluster("a", 50), new WeightedCluster("b", 50))))
                .cluster(cluster("a", a.port())).cluster(cluster("b", b.port())).build());
        Map<String, Integer> byServer = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            List<String> got = talk(p.listenerPort("main"), "hello " + i);
            String who = got.getFirst().substring(0, 1);
            assertThat(got).containsExactly(who + ":hello " + i, who + ":bye");
            byServer.merge(who, 1, Integer::sum);
        }
        assertThat(byServer.keySet()).containsExactlyInAnyOrder("a", "b");
        assertThat(a.connectionCount() + b.connectionCount()).isEqualTo(40);
    }

    @Test
    void tcpConnectFailureClosesTheConnectionAndCountsUF() throws Exception {
        ProxyServer p = proxy(ProxySnapshot.builder("1")
                .listener(listener(ListenerProtocol.TCP, tcpRoute("down", List.of(), new WeightedCluster("down", 1))))
                .cluster(cluster("down", ClosedPort.find())).build());
        // closed with nothing answered: a FIN, or a reset when the proxy closes with the client's unread line still in its buffer
        List<String> answered;
        try {
            answered = talk(p.listenerPort("main"), "anyone?");
        } catch (java.io.UncheckedIOException e) {
            assertThat(e.getCause()).isInstanceOf(java.net.SocketException.class).hasMessageContaining("reset");
            answered = List.of();
        } catch (java.net.SocketException e) { // the reset met the client's write or half-close
            assertThat(e).hasMessageMatching("(?i).*(reset|broken pipe).*");
            answered = List.of();
        }
        assertThat(answered).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.UF) == 1);
    }

    @Test
    void largeTransferKeepsEveryByteInOrder() throws Exception {
        TcpEchoServer a = later(TcpEchoServer.start("a"));
        ProxyServer p = proxy(ProxySnapshot.builder("1")
                .listener(listener(ListenerProtocol.TCP, tcpRoute("all", List.of(), new WeightedCluster("a", 1))))
                .cluster(cluster("a", a.port())).build());
        String big = "x".repeat(4 * 1024 * 1024);
        List<String> got = talk(p.listenerPort("main"), big);
        assertThat(got).hasSize(2);
        assertThat(got.get(0)).hasSize(big.length() + 2);
    }

    // ---- TLS passthrough by SNI

    @Test
    void tlsIsPassedThroughByServerNameWithARealHandshake(@TempDir Path dir) throws Exception {
        SSLContext serverTls = serverContext(dir);
        TcpEchoServer a = later(TcpEchoServer.start("a", null, serverTls.getServerSocketFactory()));
        TcpEchoServer b = later(TcpEchoServer.start("b", null, serverTls.getServerSocketFactory()));
        ProxyServer p = proxy(ProxySnapshot.builder("1")
                .listener(listener(ListenerProtocol.AUTO,
                        tcpRoute("a", List.of("a.example"), new WeightedCluster("a", 1)),
                        tcpRoute("b", List.of("*.b.example"), new WeightedCluster("b", 1))))
                .routeTable(forwardAll("a")).cluster(cluster("a", a.port())).cluster(cluster("b", b.port())).build());
        int port = p.listenerPort("main");
        assertThat(tlsTalk(port, "a.example", "one")).containsExactly("a:one");
        assertThat(tlsTalk(port, "x.b.example", "two")).containsExactly("b:two");
        assertThatThrownBy(() -> tlsTalk(port, "nobody.example", "three")).isInstanceOf(IOException.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.NR) == 1);
    }

    static SSLContext serverContext(Path dir) throws Exception {
        Path ks = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-dname", "CN=a.example", "-validity", "2",
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    static List<String> tlsTalk(int port, String sni, String line) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new TrustAll()}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            SSLParameters params = s.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(sni)));
            s.setSSLParameters(params);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            return List.of(in.readLine());
        }
    }

    static final class TrustAll implements X509TrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }

    // ---- detection on one AUTO port

    @Test
    void oneAutoPortServesHttp1H2cOpaqueTcpAndServerFirstProtocols() throws Exception {
        FakeUpstream web = later(FakeUpstream.start("web"));
        TcpEchoServer echo = later(TcpEchoServer.start("echo", "ready", javax.net.ServerSocketFactory.getDefault()));
        ProxyServer p = proxy(ProxySnapshot.builder("1")
                .listener(listener(ListenerProtocol.AUTO, tcpRoute("rest", List.of(), new WeightedCluster("echo", 1))))
                .routeTable(forwardAll("web"))
                .cluster(cluster("web", web.port())).cluster(cluster("echo", echo.port())).build(), Duration.ofMillis(300));
        int port = p.listenerPort("main");

        try (HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> r = h1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/h1")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        Process curl = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                "--max-time", "10", "http://127.0.0.1:" + port + "/h2").redirectErrorStream(true).start();
        assertThat(curl.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("2 200");
        assertThat(web.seen()).extracting(FakeUpstream.Seen::path).containsExactly("/h1", "/h2");

        // opaque TCP: the greeting arrives once the proxy connected upstream, then the echo
        assertThat(talk(port, "SSH-2.0-client")).containsExactly("echo:ready", "echo:SSH-2.0-client", "echo:bye");
        // server-first: the client says nothing; after the detection timeout the server speaks
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("echo:ready");
        }
    }

    @Test
    void h2cConnectionErrorsAreAnsweredWithGoAway() throws Exception {
        FakeUpstream web = later(FakeUpstream.start("web"));
        ProxyServer p = proxy(ProxySnapshot.builder("1").listener(listener(ListenerProtocol.HTTP)).routeTable(forwardAll("web")).cluster(cluster("web", web.port())).build());
        try (Socket s = new Socket("127.0.0.1", p.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            // a SETTINGS frame whose length is not a multiple of 6: FRAME_SIZE_ERROR (RFC 9113 6.5)
            out.write(new byte[] {0, 0, 5, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5});
            out.flush();
            byte[] all = s.getInputStream().readAllBytes();
            assertThat(frameTypes(all)).contains(7); // GOAWAY
        }
    }

    static List<Integer> frameTypes(byte[] b) {
        List<Integer> types = new ArrayList<>();
        int i = 0;
        while (i + 9 <= b.length) {
            int len = ((b[i] & 0xff) << 16) | ((b[i + 1] & 0xff) << 8) | (b[i + 2] & 0xff);
            types.add(b[i + 3] & 0xff);
            i += 9 + len;
        }
        return types;
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
                    for (int i = 0; i < 100; i++) obs.onNext(req + i);
                    obs.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((req, obs) -> obs.onError(Status.NOT_FOUND.withDescription("no " + req).asRuntimeException())))
                .build();
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(svc).build().start();
        later(() -> s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return s;
    }

    ManagedChannel channel(int port) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        later(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return ch;
    }

    @Test
    void grpcUnaryStreamingAndErrorStatusPassThroughOverHttp2BothSides() throws Exception {
        Server server = grpcServer();
        ClusterConfig grpc = cluster("grpc", server.getPort()).withUpstreamProtocol(UpstreamProtocol.HTTP2);
        ProxyServer p = proxy(ProxySnapshot.builder("1").listener(listener(ListenerProtocol.HTTP)).routeTable(forwardAll("grpc")).cluster(grpc).build());
        ManagedChannel ch = channel(p.listenerPort("main"));
        CallOptions opts = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);

        for (int i = 0; i < 20; i++) assertThat(ClientCalls.blockingUnaryCall(ch, SAY, opts, "hi" + i)).isEqualTo("echo:hi" + i);
        List<String> streamed = new ArrayList<>();
        Iterator<String> it = ClientCalls.blockingServerStreamingCall(ch, COUNT, opts, "n");
        it.forEachRemaining(streamed::add);
        assertThat(streamed).hasSize(100).startsWith("n0", "n1").endsWith("n99");
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, FAIL, opts, "thing"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no thing");
                });
        // streams are multiplexed on one upstream connection per event loop
        assertThat(p.stats().cluster("grpc").connectionsTotal()).isEqualTo(1);
        // Istio's metrics tell gRPC from HTTP and carry the status from the trailers
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() -> assertThat(p.stats().prometheus())
                .containsPattern("istio_requests_total\\{[^}]*request_protocol=\"grpc\",response_code=\"200\",grpc_response_status=\"0\",[^}]*} 21")
                .containsPattern("istio_requests_total\\{[^}]*request_protocol=\"grpc\",response_code=\"200\",grpc_response_status=\"5\",[^}]*} 1"));
    }

    @Test
    void grpcLocalRepliesUseGrpcStatusInTrailersOnlyResponses() throws Exception {
        RouteTable onlyOther = new RouteTable("main", List.of(new VirtualHost("other", List.of("other.example"), List.of(new Route("x", RouteMatch.ANY, RouteAction.Forward.to("down"))))));
        ProxyServer p = proxy(ProxySnapshot.builder("1").listener(listener(ListenerProtocol.AUTO)).routeTable(onlyOther)
                .cluster(cluster("down", ClosedPort.find()).withUpstreamProtocol(UpstreamProtocol.HTTP2)).build());
        CallOptions opts = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel(p.listenerPort("main")), SAY, opts, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no route");
                });
        ManagedChannel other = later(new ManagedChannelCloser(NettyChannelBuilder.forAddress("127.0.0.1", p.listenerPort("main")).overrideAuthority("other.example").usePlaintext().build())).ch;
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(other, SAY, opts, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(p.stats().listener("main").responses(ResponseFlag.NR)).isEqualTo(1);
        assertThat(p.stats().listener("main").responses(ResponseFlag.UF)).isEqualTo(1);
    }

    record ManagedChannelCloser(ManagedChannel ch) implements AutoCloseable {
        @Override public void close() {
            try {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- WebSocket

    @Test
    void webSocketUpgradeBecomesASpliceBothWays() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        later(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync());
        var server = new io.netty.bootstrap.ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new WebSocketServerProtocolHandler("/ws"),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                        ctx.writeAndFlush(new TextWebSocketFrame("echo:" + f.text()));
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        int wsPort = ((InetSocketAddress) server.localAddress()).getPort();
        ProxyServer p = proxy(ProxySnapshot.builder("1").listener(listener(ListenerProtocol.AUTO)).routeTable(forwardAll("ws")).cluster(cluster("ws", wsPort)).build());

        List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (HttpClient client = HttpClient.newHttpClient()) {
            WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + p.listenerPort("main") + "/ws"), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    got.add(data.toString());
                    w.request(1);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 5; i++) ws.sendText("m" + i, true).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 5);
            assertThat(got).containsExactly("echo:m0", "echo:m1", "echo:m2", "echo:m3", "echo:m4");
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        }
        assertThat(p.stats().listener("main").responses(1)).isEqualTo(1);
        server.close().sync();
    }
}
