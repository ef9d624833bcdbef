package dev.ficus.control.parallelrun;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.ficus.control.graph.AdminFetcher;
import dev.ficus.xds.sync.SyncServer;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Reads a parallel run across the mesh: asks every connected proxy's admin port for
 * {@code GET /parallel-runs} and merges what they say about one Rollout into a
 * {@link ParallelRunReport} (sums, the mismatch share, the union of noisy paths, the newest
 * samples). A proxy that cannot be read is listed with its error and the others still count.
 *
 * <p>Threads: {@link #report} may be called from any thread, an event loop included: it never
 * blocks. At most {@link #CONCURRENCY} proxies are read at once, each bounded by the timeout in
 * time and by {@link #MAX_BYTES} in size; the merge runs on the reader's own small pool.
 */
public final class ParallelRunReader implements AutoCloseable {
    /** Proxies read at once. */
    public static final int CONCURRENCY = 8;
    /** The largest {@code /parallel-runs} answer read from one proxy. */
    public static final long MAX_BYTES = 4L << 20;
    /** How long one proxy may take to answer. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** Where a proxy's admin port is. */
    public record ProxyAdmin(String proxy, String host, int port) {
        public ProxyAdmin {
            Objects.requireNonNull(proxy, "proxy");
            Objects.requireNonNull(host, "host");
        }

        String address() { return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port; }
    }

    /** Reads a page of a proxy's admin port; never blocks, completes exceptionally on any failure. */
    public interface Fetcher {
        CompletableFuture<String> fetch(String host, int port, String path);
    }

    private final Supplier<List<ProxyAdmin>> proxies;
    private final Fetcher fetcher;
    private final AutoCloseable ownedFetcher;
    private final ExecutorService pool;
    private final Duration timeout;
    private final InstantSource clock;

    private ParallelRunReader(Supplier<List<ProxyAdmin>> proxies, Fetcher fetcher, Duration timeout, InstantSource clock) {
        this.proxies = Objects.requireNonNull(proxies, "proxies");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = clock;
        this.pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "ficus-parallel-runs");
            t.setDaemon(true);
            return t;
        });
        if (fetcher == null) {
            AdminFetcher http = new AdminFetcher(pool, timeout, MAX_BYTES);
            this.fetcher = http::fetch;
            this.ownedFetcher = http;
        } else {
            this.fetcher = fetcher;
            this.ownedFetcher = null;
        }
    }

    /** Reads the proxies {@code proxies} lists at each report, over HTTP. */
    public static ParallelRunReader start(Supplier<List<ProxyAdmin>> proxies) {
        return new ParallelRunReader(proxies, null, DEFAULT_TIMEOUT, InstantSource.system());
    }

    /** With a fetcher of the caller's (tests, or another transport). */
    public static ParallelRunReader withFetcher(Supplier<List<ProxyAdmin>> proxies, Fetcher fetcher, Duration timeout) {
        return new ParallelRunReader(proxies, Objects.requireNonNull(fetcher, "fetcher"), timeout, InstantSource.system());
    }

    /**
     * The admin ports of connected proxies, as the sync server knows them: the address each
     * stream comes from and the port its proxy announced. Proxies that announced none are left out.
     */
    public static List<ProxyAdmin> admins(List<SyncServer.ProxyStatus> connected) {
        Map<String, ProxyAdmin> out = new LinkedHashMap<>();
        for (SyncServer.ProxyStatus s : connected) {
            if (s.node() == null || s.node().adminPort() == null || s.peer() == null) continue;
            String host = hostOf(s.peer());
            if (host == null) continue;
            ProxyAdmin a = new ProxyAdmin(s.node().id(), host, s.node().adminPort());
            out.putIfAbsent(a.address(), a); // one proxy process may hold several streams
        }
        return List.copyOf(out.values());
    }

    private static String hostOf(String peer) {
        if (peer.isEmpty()) return null;
        int colon = peer.lastIndexOf(':');
        String h = colon <= 0 ? peer : peer.substring(0, colon);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /**
     * What the connected proxies compared for Rollout {@code namespace/name}, read afresh. Never
     * blocks; the future completes once every proxy answered, failed or timed out.
     */
    public CompletableFuture<ParallelRunReport> report(String namespace, String name) {
        String id = Objects.requireNonNull(namespace, "namespace") + "/" + Objects.requireNonNull(name, "name");
        List<ProxyAdmin> all;
        try {
            all = List.copyOf(proxies.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Instant at = clock.instant();
        Round round = new Round(all);
        round.pump();
        return round.done.thenApplyAsync(x -> merge(id, at, round.results), pool);
    }

    /** What one proxy said: its JSON, or why there is none. */
    private record Read(ProxyAdmin proxy, String json, String error) {
    }

    /** The reads of one report, at most {@link #CONCURRENCY} in flight. */
    private final class Round {
        final ArrayDeque<ProxyAdmin> queue;
        final List<Read> results = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        int inFlight;

        Round(List<ProxyAdmin> all) { this.queue = new ArrayDeque<>(all); }

        synchronized void pump() {
            while (inFlight < CONCURRENCY && !queue.isEmpty()) {
                ProxyAdmin p = queue.poll();
                inFlight++;
                CompletableFuture<String> original;
                try {
                    original = fetcher.fetch(p.host(), p.port(), "/parallel-runs");
                } catch (RuntimeException e) {
                    original = CompletableFuture.failedFuture(e);
                }
                CompletableFuture<String> sent = original;
                sent.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((text, failure) -> {
                    if (failure != null && !sent.isDone()) sent.cancel(true); // timed out: abort the exchange
                    Read r = failure == null ? new Read(p, text, null) : new Read(p, null, describe(unwrap(failure), p));
                    finished(r);
                });
            }
            if (inFlight == 0 && queue.isEmpty()) done.complete(null);
        }

        private void finished(Read r) {
            synchronized (this) {
                results.add(r);
                inFlight--;
            }
            pump();
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }

    private String describe(Throwable t, ProxyAdmin p) {
        String at = p.address();
        if (t instanceof TimeoutException || t instanceof HttpTimeoutException && !(t instanceof HttpConnectTimeoutException)) {
            return "no answer from " + at + " within " + dev.ficus.api.Durations.format(timeout);
        }
        if (t instanceof HttpConnectTimeoutException) return "cannot connect to " + at + " within " + dev.ficus.api.Durations.format(timeout);
        if (t instanceof ConnectException) return "cannot connect to " + at + " (connection refused: is its admin port reachable from the control plane?)";
        if (t instanceof AdminFetcher.FetchException) return at + " " + t.getMessage();
        return "reading " + at + " failed: " + (t.getMessage() == null ? t.toString() : t.getMessage());
    }

    /** Sums what the proxies said about run {@code id}. */
    static ParallelRunReport merge(String id, Instant at, List<Read> reads) {
        long matched = 0, mismatched = 0, noise = 0, skipped = 0;
        Map<String, Long> skippedBy = new TreeMap<>();
        TreeSet<String> noisy = new TreeSet<>();
        List<ParallelRunReport.Sample> samples = new ArrayList<>();
        List<ParallelRunReport.ProxyError> errors = new ArrayList<>();
        int answered = 0, reporting = 0;
        List<Read> sorted = new ArrayList<>(reads);
        sorted.sort(Comparator.comparing(r -> r.proxy().proxy()));
        for (Read r : sorted) {
            if (r.error() != null) {
                errors.add(new ParallelRunReport.ProxyError(r.proxy().proxy(), r.error()));
                continue;
            }
            JsonObject run;
            try {
                run = find(JsonParser.parseString(r.json()), id);
            } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | ClassCastException e) {
                errors.add(new ParallelRunReport.ProxyError(r.proxy().proxy(), "malformed /parallel-runs from " + r.proxy().address() + ": " + e.getMessage()));
                continue;
            }
            answered++;
            if (run == null) continue;
            reporting++;
            matched += number(run, "matched");
            mismatched += number(run, "mismatched");
            noise += number(run, "noise");
            skipped += number(run, "skipped");
            if (run.get("skippedBy") instanceof JsonObject by) {
                for (var e : by.entrySet()) if (e.getValue().isJsonPrimitive()) skippedBy.merge(e.getKey(), e.getValue().getAsLong(), Long::sum);
            }
            if (run.get("noisyPaths") instanceof JsonArray paths) for (JsonElement p : paths) if (p.isJsonPrimitive()) noisy.add(p.getAsString());
            if (run.get("samples") instanceof JsonArray ss) {
                for (JsonElement e : ss) {
                    ParallelRunReport.Sample s = sample(r.proxy().proxy(), e);
                    if (s != null) samples.add(s);
                }
            }
        }
        samples.sort(Comparator.comparing(ParallelRunReport.Sample::at).reversed());
        long compared = matched + mismatched + noise;
        double percent = compared == 0 ? 0.0 : Math.round(mismatched * 10000.0 / compared) / 100.0;
        return new ParallelRunReport(id, at, answered, reporting, compared, matched, mismatched, noise, skipped, skippedBy, percent,
                List.copyOf(noisy), samples.subList(0, Math.min(samples.size(), ParallelRunReport.MAX_SAMPLES)), errors);
    }

    private static JsonObject find(JsonElement doc, String id) {
        JsonArray runs = doc.getAsJsonObject().getAsJsonArray("runs");
        if (runs == null) throw new IllegalStateException("no \"runs\" array");
        for (JsonElement e : runs) {
            if (e instanceof JsonObject o && o.get("rollout") != null && id.equals(o.get("rollout").getAsString())) return o;
        }
        return null;
    }

    private static long number(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsLong() : 0;
    }

    private static ParallelRunReport.Sample sample(String proxy, JsonElement e) {
        if (!(e instanceof JsonObject o) || text(o, "at") == null) return null; // a sample without its time cannot be ordered
        try {
            List<ParallelRunReport.Difference> diffs = new ArrayList<>();
            if (o.get("differences") instanceof JsonArray ds) {
                for (JsonElement d : ds) {
                    if (d instanceof JsonObject x) diffs.add(new ParallelRunReport.Difference(text(x, "path"), text(x, "stable"), text(x, "candidate")));
                }
            }
            return new ParallelRunReport.Sample(proxy, Instant.parse(text(o, "at")), text(o, "method"), text(o, "path"),
                    (int) number(o, "stableStatus"), (int) number(o, "candidateStatus"), diffs);
        } catch (DateTimeParseException | IllegalStateException | UnsupportedOperationException x) {
            return null; // a malformed sample is left out; the counters still count
        }
    }

    private static String text(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    /** Stops the pool and the HTTP client; reports in flight fail. */
    @Override
    public void close() {
        if (ownedFetcher != null) {
            try {
                ownedFetcher.close();
            } catch (Exception e) {
                // nothing left to release
            }
        }
        pool.shutdownNow();
    }
}
