package dev.ficus.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The training run behind the standalone proxy's ahead-of-time cache (JDK 25's
 * {@code -XX:AOTCacheOutput}): the launcher runs this once per build of the distribution, with
 * the proxy's JVM flags, and later {@code ficus proxy --config} commands start from the cache —
 * their classes already loaded and linked, their hot methods already profiled.
 *
 * <p>It runs a real {@code ficus proxy} in this JVM (on a config written to a temporary
 * directory, every port chosen free on loopback), sends HTTP/1.1 requests through its inbound
 * and outbound listeners to a small backend of its own, then drains it through the admin port.
 * Exits 0 when every request was answered; otherwise 1, and the launcher keeps using the
 * class-data archive it used before.
 */
public final class StartupTraining {

    /** Requests per listener: enough for the JIT's profiles of the request path, about a second. */
    private static final int REQUESTS = Integer.getInteger("ficus.training.requests", 1500);
    private static final String BODY = "trained";

    public static void main(String[] args) throws Exception {
        System.exit(run());
    }

    static int run() throws Exception {
        Path dir = Files.createTempDirectory("ficus-training");
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().name("training-backend").start(() -> serve(backend));
            int inbound = freePort();
            int outbound = freePort();
            int admin = freePort();
            Files.writeString(dir.resolve("training.yaml"), config(inbound, backend.getLocalPort()));
            AtomicInteger code = new AtomicInteger(-1);
            Thread proxy = Thread.ofPlatform().name("training-proxy").start(() -> code.set(Main.run(new String[] {
                    "proxy", "--config", dir.toString(), "--labels", "app=training", "--concurrency", "1",
                    "--outbound-port", Integer.toString(outbound), "--admin-port", Integer.toString(admin)},
                    new PrintWriter(System.out, true), new PrintWriter(System.err, true))));
            boolean ok = awaitListening(inbound, proxy) && awaitListening(outbound, proxy)
                    && requests(inbound, "training") && requests(outbound, "training.local");
            drain(admin);
            proxy.join(30_000);
            return ok && code.get() == 0 ? 0 : 1;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** An inbound listener to the backend, and a routed service with the policies most configs use. */
    private static String config(int inbound, int backend) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: training}
                spec:
                  workloadSelector: {labels: {app: training}}
                  ingress:
                  - port: {number: %1$d, protocol: HTTP, name: http}
                    bind: 127.0.0.1
                    defaultEndpoint: 127.0.0.1:%2$d
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: training}
                spec:
                  hosts: [training.local]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: STATIC
                  endpoints: [{address: 127.0.0.1, ports: {http: %2$d}, labels: {version: v1}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: training}
                spec:
                  hosts: [training.local]
                  http:
                  - match: [{uri: {prefix: /}, headers: {x-training: {exact: "yes"}}}]
                    route: [{destination: {host: training.local, subset: v1}}]
                  - route: [{destination: {host: training.local, subset: v1}}]
                    timeout: 5s
                    retries: {attempts: 2, perTryTimeout: 2s, retryOn: "5xx,connect-failure"}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: training}
                spec:
                  host: training.local
                  trafficPolicy:
                    connectionPool: {http: {http1MaxPendingRequests: 1000}}
                    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}
                  subsets: [{name: v1, labels: {version: v1}}]
                """.formatted(inbound, backend);
    }

    /** Answers every HTTP/1.1 request (no request bodies) with 200 and a short body, keep-alive. */
    private static void serve(ServerSocket backend) {
        while (!backend.isClosed()) {
            Socket s;
            try {
                s = backend.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofPlatform().daemon().name("training-backend-conn").start(() -> {
                byte[] response = ("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: " + BODY.length() + "\r\n\r\n" + BODY)
                        .getBytes(StandardCharsets.US_ASCII);
                try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    while (head(in) != null) out.write(response);
                } catch (IOException e) {
                    // the proxy closed the connection
                }
            });
        }
    }

    /** Requests on one keep-alive connection, then a few on new connections; true when all were answered 200. */
    private static boolean requests(int port, String host) throws IOException {
        byte[] plain = ("GET /training HTTP/1.1\r\nhost: " + host + "\r\nuser-agent: ficus-training\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] matched = ("GET /training/matched HTTP/1.1\r\nhost: " + host + "\r\nx-training: yes\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            s.setSoTimeout(5000);
            for (int i = 0; i < REQUESTS; i++) {
                s.getOutputStream().write(i % 2 == 0 ? plain : matched);
                if (!answered(s.getInputStream())) return false;
            }
        }
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
                s.setSoTimeout(5000);
                s.getOutputStream().write(plain);
                if (!answered(s.getInputStream())) return false;
            }
        }
        return true;
    }

    /** Reads one response; true when it was a 200 with the backend's body. */
    private static boolean answered(InputStream in) throws IOException {
        String head = head(in);
        if (head == null || !head.startsWith("HTTP/1.1 200")) return false;
        int length = -1;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        return length == BODY.length() && new String(in.readNBytes(length), StandardCharsets.US_ASCII).equals(BODY);
    }

    /** The head of a message up to its blank line, or null at the end of the stream. */
    private static String head(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            b.append((char) c);
            int n = b.length();
            if (n >= 4 && b.charAt(n - 4) == '\r' && b.charAt(n - 3) == '\n' && b.charAt(n - 2) == '\r' && b.charAt(n - 1) == '\n') {
                return b.toString();
            }
        }
        return null;
    }

    private static boolean awaitListening(int port, Thread proxy) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && proxy.isAlive()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return true;
            } catch (IOException e) {
                Thread.sleep(20); // the proxy is still starting: polled, bounded by the deadline
            }
        }
        return false;
    }

    private static void drain(int admin) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), admin), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("POST /drain HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            head(s.getInputStream());
        } catch (IOException e) {
            // the proxy is gone already
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private StartupTraining() {}
}
