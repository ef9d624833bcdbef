package dev.ficus.control.graph;

import dev.ficus.xds.sync.Node;

import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.InstantSource;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Reads every connected proxy's Istio metrics and answers the service graph. Beside the sync
 * server in the control plane: the sync events say which proxies exist and where their admin port
 * is ({@link Node#adminPort()} at the address their stream comes from).
 *
 * <p>Threads: all state (the proxies, their histories, the round in flight) lives on one thread
 * of its own, {@code ficus-graph}; fetching is asynchronous, and parsing runs on a small scrape
 * pool. No method blocks its caller, so the HTTP server's event loop can ask for a graph: the
 * future it gets completes when a fresh round has finished, or after {@code timeout} plus a second
 * with what is known by then. At most {@code concurrency} scrapes are in flight, each bounded by
 * {@code timeout}; a proxy that fails (refused, slow, malformed text) is shown with its error and
 * the graph answers with the others.
 */
public final class MeshScraper implements AutoCloseable {

    /** Reads one proxy's metrics text; never blocks, completes exceptionally on any failure. */
    public interface Fetcher {
        CompletableFuture<String> fetch(String host, int port);
    }

    /** One proxy, by the id it connected with; on the state thread only. */
    private final class Entry {
        final String id;
        final ProxyHistory history = new ProxyHistory(config.interval(), config.retain());
        Node node;
        String host;
        int sessions;
        long goneAt;
        boolean inFlight;
        Instant lastScrape;
        String error;

        Entry(String id) { this.id = id; }

        Integer adminPort() { return node == null ? null : node.adminPort(); }

        String admin() {
            Integer port = adminPort();
            if (port == null || host == null) return null;
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** A scrape of every connected proxy; on the state thread only. */
    private final class Round {
        final ArrayDeque<Entry> queue = new ArrayDeque<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        int inFlight;
    }

    private final ScrapeConfig config;
    private final Fetcher fetcher;
    private final AutoCloseable closeFetcher;
    private final LongSupplier nanos;
    private final InstantSource clock;
    private final ScheduledExecutorService state;
    private final ExecutorService pool;
    private final Map<String, Entry> proxies = new LinkedHashMap<>(); // state thread
    private Round round; // state thread
    private boolean anyRound; // state thread: a round has ended
    private long lastRoundEnd; // state thread, nanos: when the last one ended
    private volatile boolean closed;

    private MeshScraper(ScrapeConfig config, Fetcher fetcher, LongSupplier nanos, InstantSource clock, boolean periodic) {
        this.config = Objects.requireNonNull(config, "config");
        this.nanos = nanos;
        this.clock = clock;
        this.state = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "ficus-graph"));
        this.pool = Executors.newFixedThreadPool(2, r -> daemon(r, "ficus-graph-scrape"));
        if (fetcher == null) {
            AdminFetcher http = new AdminFetcher(pool, config.timeout(), config.maxBytes());
            this.fetcher = http;
            this.closeFetcher = http;
        } else {
            this.fetcher = fetcher;
            this.closeFetcher = null;
        }
        if (periodic) {
            long every = config.interval().toNanos();
            state.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.NANOSECONDS);
        }
    }

    /** Scrapes over HTTP every {@code config.interval()}. */
    public static MeshScraper start(ScrapeConfig config) {
        return new MeshScraper(config, null, System::nanoTime, InstantSource.system(), true);
    }

    /** With a fetcher and clocks of the caller's; nothing periodic: rounds run when a graph is asked for or {@link #scrapeNow()} is called. */
    static MeshScraper forTest(ScrapeConfig config, Fetcher fetcher, LongSupplier nanos, InstantSource clock) {
        return new MeshScraper(config, fetcher, nanos, clock, false);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A proxy's stream opened; {@code peer} is the address it comes from ({@code ip:port}). Any thread. */
    public void connected(Node node, String peer) {
        String host = hostOf(peer);
        run(() -> {
            Entry e = proxies.computeIfAbsent(node.id(), Entry::new);
            e.node = node;
            e.host = host;
            e.sessions++;
        });
    }

    /** A proxy's stream closed. Its history is kept for a while: a proxy that reconnects keeps its rates. Any thread. */
    public void disconnected(String id) {
        run(() -> {
            Entry e = proxies.get(id);
            if (e == null) return;
            e.sessions = Math.max(0, e.sessions - 1);
            if (e.sessions == 0) e.goneAt = nanos.getAsLong();
        });
    }

    private static String hostOf(String peer) {
        if (peer == null || peer.isEmpty()) return null;
        int colon = peer.lastIndexOf(':');
        return colon <= 0 ? peer : peer.substring(0, colon);
    }

    /**
     * The graph over the last {@code window}: after a fresh scrape of every proxy (unless one
     * ended less than {@code fresh} ago), or after {@code timeout} plus a second with what is known
     * by then. Any thread; never blocks.
     */
    public CompletableFuture<ServiceGraph> graph(Duration window) {
        Objects.requireNonNull(window, "window");
        CompletableFuture<ServiceGraph> out = new CompletableFuture<>();
        run(() -> {
            CompletableFuture<Void> fresh = round != null ? round.done
                    : anyRound && nanos.getAsLong() - lastRoundEnd < config.fresh().toNanos() ? CompletableFuture.completedFuture(null)
                    : startRound();
            fresh.copy().completeOnTimeout(null, config.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS)
                    .whenCompleteAsync((x, t) -> {
                        try {
                            out.complete(build(window));
                        } catch (RuntimeException e) {
                            out.completeExceptionally(e);
                        }
                    }, state);
        }, out);
        return out;
    }

    /** Starts a round now (or joins the one in flight); completes when it ended. Any thread. */
    public CompletableFuture<Void> scrapeNow() {
        CompletableFuture<Void> out = new CompletableFuture<>();
        run(() -> startRound().whenComplete((x, t) -> out.complete(null)), out);
        return out;
    }

    private void tick() {
        long now = nanos.getAsLong();
        proxies.values().removeIf(e -> e.sessions == 0 && now - e.goneAt >= config.retain().toNanos());
        if (round == null) startRound();
    }

    private CompletableFuture<Void> startRound() {
        if (round != null) return round.done;
        Round r = new Round();
        for (Entry e : proxies.values()) {
            if (e.sessions == 0) continue;
            if (e.adminPort() == null || e.host == null) {
                e.error = e.adminPort() == null ? "announced no admin port (started with --admin-port -1, or a ficus older than the graph)"
                        : "the control plane does not know the proxy's address";
                continue;
            }
            if (!e.inFlight) r.queue.add(e);
        }
        round = r;
        pump(r);
        return r.done;
    }

    private void pump(Round r) {
        while (r.inFlight < config.concurrency() && !r.queue.isEmpty()) {
            Entry e = r.queue.poll();
            if (proxies.get(e.id) != e || e.sessions == 0) continue;
            r.inFlight++;
            e.inFlight = true;
            String host = e.host;
            int port = e.adminPort();
            CompletableFuture<String> fetched;
            try {
                fetched = fetcher.fetch(host, port);
            } catch (RuntimeException ex) {
                fetched = CompletableFuture.failedFuture(ex);
            }
            CompletableFuture<String> original = fetched;
            CompletableFuture<String> bounded = fetched.copy().orTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
            bounded.thenApply(text -> new Fetched(text, nanos.getAsLong()))
                    .thenApplyAsync(MeshScraper::parse, pool)
                    .whenCompleteAsync((sample, failure) -> {
                        if (failure != null && !original.isDone()) original.cancel(true); // timed out: abort the exchange
                        e.inFlight = false;
                        if (proxies.get(e.id) == e) {
                            if (failure == null) {
                                e.history.add(sample);
                                e.lastScrape = clock.instant();
                                e.error = null;
                            } else {
                                e.error = describe(unwrap(failure), host, port);
                            }
                        }
                        r.inFlight--;
                        pump(r);
                    }, state);
        }
        if (r.inFlight == 0 && r.queue.isEmpty() && !r.done.isDone()) {
            if (round == r) round = null;
            lastRoundEnd = nanos.getAsLong();
            anyRound = true;
            r.done.complete(null);
        }
    }

    /** A proxy's answer, stamped when it arrived (parsing may wait for a pool thread). */
    private record Fetched(String text, long atNanos) {
    }

    private static ProxySample parse(Fetched f) {
        try {
            return ProxySample.parse(f.text(), f.atNanos());
        } catch (PrometheusText.FormatException | ProxySample.InvalidMetricsException e) {
            throw new CompletionException(e);
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }

    private String describe(Throwable t, String host, int port) {
        String at = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        if (t instanceof TimeoutException || t instanceof HttpTimeoutException && !(t instanceof HttpConnectTimeoutException)) {
            return "no answer from " + at + " within " + dev.ficus.api.Durations.format(config.timeout());
        }
        if (t instanceof HttpConnectTimeoutException) return "cannot connect to " + at + " within " + dev.ficus.api.Durations.format(config.timeout());
        if (t instanceof ConnectException) return "cannot connect to " + at + " (connection refused: is its admin port reachable from the control plane?)";
        if (t instanceof PrometheusText.FormatException) return "malformed metrics from " + at + ": " + t.getMessage();
        if (t instanceof ProxySample.InvalidMetricsException) return "unusable metrics from " + at + ": " + t.getMessage();
        if (t instanceof AdminFetcher.FetchException) return at + " " + t.getMessage();
        return "scrape of " + at + " failed: " + (t.getMessage() == null ? t.toString() : t.getMessage());
    }

    private ServiceGraph build(Duration window) {
        List<ServiceGraph.ProxyState> states = new ArrayList<>();
        List<GraphAssembler.Contribution> windows = new ArrayList<>();
        for (Entry e : proxies.values()) {
            if (e.sessions == 0) continue;
            ProxyHistory.Window w = e.history.window(window);
            double span = 0;
            if (w != null) {
                span = w.seconds();
                windows.add(new GraphAssembler.Contribution(span, w.latest().bounds(), w.deltas()));
            }
            Node n = e.node;
            states.add(new ServiceGraph.ProxyState(e.id, n.workloads(), n.namespace(), e.admin(), e.history.size(), e.lastScrape, span, e.error));
        }
        List<ServiceGraph.Edge> edges = GraphAssembler.edges(windows);
        return new ServiceGraph(window, clock.instant(), states, GraphAssembler.nodes(edges), edges);
    }

    private void run(Runnable r) {
        run(r, null);
    }

    /** Runs on the state thread; after close, a pending {@code out} fails instead of hanging. */
    private void run(Runnable r, CompletableFuture<?> out) {
        if (closed) {
            if (out != null) out.completeExceptionally(new IllegalStateException("the control plane is stopping"));
            return;
        }
        try {
            state.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (out != null) out.completeExceptionally(new IllegalStateException("the control plane is stopping"));
        }
    }

    @Override
    public void close() {
        closed = true;
        state.shutdownNow();
        if (closeFetcher != null) {
            try {
                closeFetcher.close();
            } catch (Exception e) {
                // nothing left to release
            }
        }
        pool.shutdownNow();
    }
}
