package dev.ficus.proxy.jwt;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The key sets of the {@code jwksUri}s a proxy's rules name, one fetcher per URL shared by every
 * snapshot, so installing a new snapshot does not fetch again. Fetches run on one daemon thread
 * with the JDK's HTTP client, never on an event loop; requests read the last key set with one
 * volatile read.
 *
 * <p>When the proxy's own outbound listener routes the URL's host (a key server that is a mesh
 * service), the fetch goes through that listener, as an application's request would: by the
 * mesh's routes, with mTLS where the service has a proxy. Any other URL (an identity provider
 * outside the mesh) is fetched directly.
 *
 * <p>A key set is fetched when a snapshot first names its URL, then again every
 * {@link #REFRESH} (istiod's default refresh of JWKS it resolves). A failed fetch is retried
 * after {@link #RETRY} and keeps the keys fetched before, if any; until a first fetch succeeds,
 * tokens of that issuer are refused with 401. Entries are never removed: their number is bounded
 * by the URLs the proxy's configuration has named.
 */
public final class JwksCache implements AutoCloseable {
    /** How long fetched keys are used before they are fetched again. */
    public static final Duration REFRESH = Duration.ofMinutes(20);
    /** How long after a failed fetch the next one may start. */
    public static final Duration RETRY = Duration.ofSeconds(5);

    /** Made on the first warning: a System.Logger sets up java.util.logging, a class-path-wide search, at every proxy's start otherwise. */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(JwksCache.class.getName());
    }

    private final Map<String, Remote> byUri = new ConcurrentHashMap<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ficus-jwks");
        t.setDaemon(true);
        return t;
    });
    private volatile HttpClient client; // made by the first fetch, on the fetch thread: a proxy without jwksUri starts no thread
    private final Map<InetSocketAddress, HttpClient> meshClients = new ConcurrentHashMap<>(); // by outbound listener; fetch thread only
    private final Function<URI, InetSocketAddress> outbound;

    /** A cache that fetches every URL directly. */
    public JwksCache() { this(uri -> null); }

    /**
     * @param outbound the address of the proxy's own outbound HTTP listener that routes a URL's
     *                 host, or null to fetch it directly; asked on the fetch thread before each fetch
     */
    public JwksCache(Function<URI, InetSocketAddress> outbound) { this.outbound = outbound; }

    /** The key source of {@code uri}; its first fetch starts now if it is new. */
    KeySource source(String uri, Duration timeout) {
        Remote r = byUri.computeIfAbsent(uri, u -> new Remote(u, timeout));
        r.current();
        return r;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        HttpClient c = client;
        if (c != null) c.shutdownNow();
        meshClients.values().forEach(HttpClient::shutdownNow);
    }

    /** The client for a fetch through {@code listener}: the listener is its HTTP proxy (absolute-form GET, or CONNECT for https). */
    private HttpClient meshClient(InetSocketAddress listener) {
        return meshClients.computeIfAbsent(listener, l -> HttpClient.newBuilder().executor(executor).version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(l)).followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build());
    }

    /** The HTTP client; called on the fetch thread only. */
    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            c = HttpClient.newBuilder().executor(executor).followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
            client = c;
        }
        return c;
    }

    /** One URL's key set and its fetch state; read from event loops, written by the fetch thread. */
    private final class Remote implements KeySource {
        private final String uri;
        private final Duration timeout;
        private final AtomicBoolean fetching = new AtomicBoolean();
        private volatile Jwks keys;
        private volatile long nextFetchNanos = System.nanoTime();

        Remote(String uri, Duration timeout) {
            this.uri = uri;
            this.timeout = timeout;
        }

        @Override
        public Jwks current() {
            if (System.nanoTime() - nextFetchNanos >= 0 && fetching.compareAndSet(false, true)) {
                try {
                    executor.execute(this::fetch);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    fetching.set(false); // closed
                }
            }
            return keys;
        }

        private void fetch() {
            HttpRequest req;
            try {
                req = HttpRequest.newBuilder(URI.create(uri)).timeout(timeout).header("accept", "application/json").GET().build();
            } catch (IllegalArgumentException e) {
                done(null, "not a URL: " + e.getMessage());
                return;
            }
            InetSocketAddress via;
            try {
                via = outbound.apply(req.uri());
            } catch (RuntimeException e) { // a snapshot being swapped: fetch directly this time
                via = null;
            }
            HttpClient c = via == null ? client() : meshClient(via);
            String path = via == null ? "" : " (through the outbound listener " + via.getHostString() + ":" + via.getPort() + ")";
            c.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((resp, err) -> {
                if (err != null) {
                    done(null, err + path);
                } else if (resp.statusCode() != 200) {
                    done(null, "HTTP status " + resp.statusCode() + resp.headers().firstValue("x-ficus-error").map(f -> " (" + f + ")").orElse("") + path);
                } else {
                    try {
                        Jwks parsed = Jwks.parse(resp.body());
                        done(parsed, parsed.keys().isEmpty() ? "no usable key " + parsed.skipped() : null);
                    } catch (IllegalArgumentException e) {
                        done(null, e.getMessage());
                    }
                }
            });
        }

        /** Installs a key set with usable keys; anything else keeps the keys fetched before and retries soon. */
        private void done(Jwks parsed, String problem) {
            boolean ok = parsed != null && !parsed.keys().isEmpty();
            if (ok) keys = parsed;
            nextFetchNanos = System.nanoTime() + (ok ? REFRESH : RETRY).toNanos();
            if (problem != null) {
                Log.LOG.log(System.Logger.Level.WARNING, "fetching the JWKS " + uri + " failed: " + problem
                        + (keys != null ? "; keeping the keys fetched before" : "") + "; retrying in " + RETRY.toSeconds() + "s");
            } else if (!parsed.skipped().isEmpty()) {
                Log.LOG.log(System.Logger.Level.WARNING, "JWKS " + uri + ": keys left out: " + parsed.skipped());
            }
            fetching.set(false);
        }
    }
}
