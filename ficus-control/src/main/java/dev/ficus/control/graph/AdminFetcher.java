package dev.ficus.control.graph;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

/**
 * Reads a page of a proxy's admin port ({@code GET /stats/prometheus} for the graph,
 * {@code /parallel-runs} for parallel runs) with the JDK's HTTP client: asynchronous (its own
 * selector thread; callbacks on the caller's pool), HTTP/1.1, bounded in time by the caller and
 * in size here, so that no proxy can hold a thread or fill the heap.
 */
public final class AdminFetcher implements MeshScraper.Fetcher, AutoCloseable {
    /** A response over the size limit, or a status other than 200. */
    public static final class FetchException extends IOException {
        FetchException(String message) { super(message); }
    }

    private final HttpClient client;
    private final Duration timeout;
    private final long maxBytes;

    /**
     * @param executor where the client's callbacks run
     * @param timeout  connection and answer bound of one fetch
     * @param maxBytes the largest answer read
     */
    public AdminFetcher(Executor executor, Duration timeout, long maxBytes) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).executor(executor).build();
        this.timeout = timeout;
        this.maxBytes = maxBytes;
    }

    @Override
    public CompletableFuture<String> fetch(String host, int port) {
        return fetch(host, port, "/stats/prometheus");
    }

    /** The text of {@code GET path} on a proxy's admin port; never blocks, completes exceptionally on any failure. */
    public CompletableFuture<String> fetch(String host, int port, String path) {
        URI uri = URI.create("http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + path);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        String what = path.equals("/stats/prometheus") ? "the metrics text" : "the answer of " + path;
        CompletableFuture<HttpResponse<String>> sent = client.sendAsync(request, info -> limited(info.statusCode() == 200 ? maxBytes : 4096, what));
        return sent.thenCompose(r -> r.statusCode() == 200 ? CompletableFuture.completedFuture(r.body())
                : CompletableFuture.failedFuture(new FetchException("answered " + r.statusCode() + ": " + firstLine(r.body()))));
    }

    private static String firstLine(String body) {
        String s = body == null ? "" : body.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The body as UTF-8 text, refused (and the exchange cancelled) beyond {@code max} bytes. */
    private static HttpResponse.BodySubscriber<String> limited(long max, String what) {
        return new HttpResponse.BodySubscriber<>() {
            private final CompletableFuture<String> body = new CompletableFuture<>();
            private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            private Flow.Subscription subscription;

            @Override public CompletableFuture<String> getBody() { return body; }

            @Override public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(Long.MAX_VALUE);
            }

            @Override public void onNext(List<ByteBuffer> items) {
                if (body.isDone()) return;
                for (ByteBuffer b : items) {
                    if (bytes.size() + (long) b.remaining() > max) {
                        subscription.cancel();
                        body.completeExceptionally(new FetchException(what + " is larger than "
                                + (max % (1 << 20) == 0 ? (max >> 20) + " MiB" : max + " bytes")));
                        return;
                    }
                    byte[] chunk = new byte[b.remaining()];
                    b.get(chunk);
                    bytes.writeBytes(chunk);
                }
            }

            @Override public void onError(Throwable t) { body.completeExceptionally(t); }

            @Override public void onComplete() { body.complete(bytes.toString(StandardCharsets.UTF_8)); }
        };
    }

    @Override
    public void close() {
        client.shutdownNow();
    }
}
