package dev.ficus.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 server on 127.0.0.1, port 0, for tests that drive a proxy over sockets.
 *
 * <p>Every response carries {@code x-upstream: NAME} and {@code x-received-bytes: N} (the request
 * body is streamed and counted, never held in memory). The path selects the behaviour:
 * {@code /delay/MS...} waits before answering, {@code /bytes/N} answers with N bytes, any other
 * path answers with the upstream's name. Each request is recorded with the client's port, so a
 * test can count the connections the proxy opened.
 *
 * <p>For failure tests: {@code /status/CODE...} answers with that status; {@code /fail-times/N/...}
 * answers 503 to the first N requests for that exact path, then as usual;
 * {@code /slow-times/N/MS/...} waits MS ms before answering the first N requests for that path;
 * {@code /grpc-status/N...} answers 200 with {@code grpc-status: N} (a trailers-only gRPC error).
 * Counts are per upstream.
 * Whole-endpoint failures, for outlier-detection tests: {@code /answer/CODE...} answers with that status,
 * and {@link #failWith(int)} makes every later request answer with a status until it is reset
 * with 0 (a whole endpoint going bad and recovering).
 */
public final class FakeUpstream implements AutoCloseable {
    /** One request as the upstream saw it; header names are lower-case. */
    public record Seen(String method, String path, Map<String, String> headers, long bodyBytes, int clientPort) {
        public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }
    }

    private final String name;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private final AtomicLong requests = new AtomicLong();
    private final ConcurrentHashMap<String, AtomicLong> perPath = new ConcurrentHashMap<>();
    private volatile int failWith;

    private FakeUpstream(String name) {
        this.name = name;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts an upstream named {@code name} on a free loopback port. */
    public static FakeUpstream start(String name) { return new FakeUpstream(name); }

    public String name() { return name; }

    public int port() { return server.getAddress().getPort(); }

    public String host() { return server.getAddress().getAddress().getHostAddress(); }

    /** Requests seen so far, oldest first (bounded to the last 10,000). */
    public List<Seen> seen() { return List.copyOf(seen); }

    public long requestCount() { return requests.get(); }

    /** Requests seen for exactly {@code path} (without query) so far. */
    public long requestCount(String path) {
        return seen.stream().filter(s -> s.path().split("\\?")[0].equals(path)).count();
    }

    /** From now on answers every request with {@code status} (and its name as the body); 0 serves normally again. */
    public FakeUpstream failWith(int status) {
        this.failWith = status;
        return this;
    }

    /** How many distinct client connections have sent a request. */
    public int connectionCount() { return clientPorts.size(); }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            long n = 0;
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = ex.getRequestBody()) {
                for (int r; (r = in.read(buf)) >= 0; ) n += r;
            }
            Map<String, String> headers = new TreeMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            String path = ex.getRequestURI().getRawPath();
            int port = ex.getRemoteAddress().getPort();
            clientPorts.add(port);
            seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(), headers, n, port));
            if (seen.size() > 10_000) seen.poll();
            requests.incrementAndGet();

            if (path.startsWith("/delay/")) {
                String ms = path.substring("/delay/".length()).split("/")[0];
                try {
                    Thread.sleep(Duration.ofMillis(Long.parseLong(ms)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int status = 200;
            if (path.startsWith("/fail-times/") || path.startsWith("/slow-times/")) {
                String[] parts = path.split("/");
                long times = Long.parseLong(parts[2]);
                long count = perPath.computeIfAbsent(path, k -> new AtomicLong()).incrementAndGet();
                if (count <= times) {
                    if (path.startsWith("/fail-times/")) {
                        status = 503;
                    } else {
                        try {
                            Thread.sleep(Duration.ofMillis(Long.parseLong(parts[3])));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            } else if (path.startsWith("/status/")) {
                status = Integer.parseInt(path.substring("/status/".length()).split("/")[0]);
            } else if (path.startsWith("/grpc-status/")) {
                ex.getResponseHeaders().add("grpc-status", path.substring("/grpc-status/".length()).split("/")[0]);
            }
            ex.getResponseHeaders().add("x-upstream", name);
            ex.getResponseHeaders().add("x-received-bytes", Long.toString(n));
            ex.getResponseHeaders().add("content-type", "text/plain");
            int forced = failWith;
            if (forced == 0 && path.startsWith("/answer/")) forced = Integer.parseInt(path.substring("/answer/".length()).split("/")[0]);
            if (forced != 0) {
                byte[] body = name.getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(forced, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
                return;
            }
            if ("HEAD".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(200, -1);
                return;
            }
            if (path.startsWith("/bytes/")) {
                long size = Long.parseLong(path.substring("/bytes/".length()));
                ex.sendResponseHeaders(200, size == 0 ? -1 : size);
                try (OutputStream out = ex.getResponseBody()) {
                    java.util.Arrays.fill(buf, (byte) 'x');
                    for (long left = size; left > 0; ) {
                        int c = (int) Math.min(buf.length, left);
                        out.write(buf, 0, c);
                        left -= c;
                    }
                }
                return;
            }
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            // the client went away; nothing to answer
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
