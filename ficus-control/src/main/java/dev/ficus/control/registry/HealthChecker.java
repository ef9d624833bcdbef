package dev.ficus.control.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Active health checks of endpoints by key: registered workloads now, WorkloadEntries from YAML
 * later. Sits beside the registry in the control plane, never on a proxy's request path.
 *
 * <p>One scheduler thread starts the checks; HTTP checks run on {@link HttpClient}'s asynchronous
 * API and TCP checks on an asynchronous socket channel, both on a small fixed pool, so a thousand
 * endpoints cost no thousand threads. An endpoint has at most one check in flight: a check slower
 * than its period skips the ticks it overlaps.
 *
 * <p>An endpoint starts healthy (a workload that registers itself is presumed up);
 * {@code failureThreshold} consecutive failures make it unhealthy, one success healthy again.
 * Listeners hear of each such change, on a checker thread, with no lock held.
 */
public final class HealthChecker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HealthChecker.class.getName());
    private static final String USER_AGENT = "ficus-health-check";

    /** Hears that an endpoint became healthy or unhealthy. */
    @FunctionalInterface
    public interface Listener {
        void onHealthChanged(String key, boolean healthy);
    }

    /** What the checker knows of one endpoint. */
    public record Status(boolean healthy, int consecutiveFailures, Instant lastCheck, String lastError) {
    }

    private final InstantSource clock;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService io;
    private final AsynchronousChannelGroup tcpGroup;
    private final HttpClient http;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /** A checker with its own scheduler thread and a two-thread pool for the checks' I/O. */
    public HealthChecker() {
        this(InstantSource.system(), 2);
    }

    public HealthChecker(InstantSource clock, int ioThreads) {
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("ficus-health-scheduler"));
        this.io = Executors.newFixedThreadPool(ioThreads, daemon("ficus-health-io"));
        try {
            this.tcpGroup = AsynchronousChannelGroup.withFixedThreadPool(1, daemon("ficus-health-tcp"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the health checker's socket group", e);
        }
        this.http = HttpClient.newBuilder()
                .executor(io)
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /**
     * Starts checking {@code address} with {@code probe} under {@code key}, replacing any check
     * under the same key (whose health is then forgotten: the new endpoint starts healthy).
     */
    public void watch(String key, Probe probe, String address) {
        Target t = new Target(key, probe, address);
        Target old = targets.put(key, t);
        if (old != null) old.cancel();
        t.future = scheduler.scheduleAtFixedRate(t::tick, 0, probe.period().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops checking {@code key}; a check in flight is ignored when it completes. */
    public void unwatch(String key) {
        Target t = targets.remove(key);
        if (t != null) t.cancel();
    }

    /** Whether {@code key} is watched and healthy. */
    public boolean isHealthy(String key) {
        Target t = targets.get(key);
        return t != null && t.status().healthy();
    }

    public Optional<Status> status(String key) {
        Target t = targets.get(key);
        return t == null ? Optional.empty() : Optional.of(t.status());
    }

    @Override
    public void close() {
        for (String key : List.copyOf(targets.keySet())) unwatch(key);
        scheduler.shutdownNow();
        tcpGroup.shutdown();
        http.close();
        io.shutdownNow();
    }

    private final class Target {
        final String key;
        final Probe probe;
        final String address;
        volatile ScheduledFuture<?> future;
        // guarded by this
        boolean inFlight;
        boolean healthy = true;
        int failures;
        Instant lastCheck;
        String lastError;

        Target(String key, Probe probe, String address) {
            this.key = key;
            this.probe = probe;
            this.address = address;
        }

        synchronized Status status() {
            return new Status(healthy, failures, lastCheck, lastError);
        }

        void cancel() {
            ScheduledFuture<?> f = future;
            if (f != null) f.cancel(false);
        }

        void tick() {
            if (targets.get(key) != this) {
                // unwatched (or replaced) before its schedule was recorded
                cancel();
                return;
            }
            synchronized (this) {
                if (inFlight) return;
                inFlight = true;
            }
            CompletableFuture<String> check;
            try {
                check = switch (probe.check()) {
                    case Probe.HttpGet g -> httpGet(g);
                    case Probe.TcpSocket s -> tcpConnect(s);
                };
            } catch (RuntimeException e) {
                check = CompletableFuture.completedFuture(describe(e));
            }
            check.orTimeout(probe.timeout().toNanos(), TimeUnit.NANOSECONDS)
                    .handle((problem, error) -> error != null ? describe(error) : problem)
                    .thenAccept(this::record);
        }

        /** Completes with null on success, with what went wrong otherwise. */
        private CompletableFuture<String> httpGet(Probe.HttpGet g) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + uriHost(address) + ":" + g.port() + g.path()))
                    .timeout(probe.timeout())
                    .header("User-Agent", USER_AGENT)
                    .GET()
                    .build();
            return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .thenApply(r -> r.statusCode() >= 200 && r.statusCode() < 400 ? null : "HTTP status " + r.statusCode());
        }

        private CompletableFuture<String> tcpConnect(Probe.TcpSocket s) {
            // the name lookup may block, so it runs on the I/O pool, never on the scheduler
            return CompletableFuture.supplyAsync(() -> new InetSocketAddress(address, s.port()), io).thenCompose(to -> {
                if (to.isUnresolved()) return CompletableFuture.completedFuture("cannot resolve " + address);
                CompletableFuture<String> done = new CompletableFuture<>();
                AsynchronousSocketChannel ch;
                try {
                    ch = AsynchronousSocketChannel.open(tcpGroup);
                } catch (IOException e) {
                    return CompletableFuture.completedFuture(describe(e));
                }
                // a connect to a silent address would otherwise wait for the system's timeout
                done.orTimeout(probe.timeout().toNanos(), TimeUnit.NANOSECONDS).whenComplete((r, e) -> closeQuietly(ch));
                ch.connect(to, null, new CompletionHandler<Void, Void>() {
                    @Override
                    public void completed(Void result, Void attachment) {
                        done.complete(null);
                    }

                    @Override
                    public void failed(Throwable e, Void attachment) {
                        done.complete(describe(e));
                    }
                });
                return done;
            });
        }

        private void record(String problem) {
            boolean changed;
            boolean nowHealthy;
            synchronized (this) {
                inFlight = false;
                lastCheck = clock.instant();
                lastError = problem;
                boolean was = healthy;
                if (problem == null) {
                    failures = 0;
                    healthy = true;
                } else {
                    failures++;
                    if (failures >= probe.failureThreshold()) healthy = false;
                }
                changed = was != healthy;
                nowHealthy = healthy;
            }
            if (!changed || targets.get(key) != this) return;
            LOG.log(System.Logger.Level.INFO, "{0} is now {1}{2}", key, nowHealthy ? "healthy" : "unhealthy",
                    problem == null ? "" : ": " + problem);
            for (Listener l : listeners) {
                try {
                    l.onHealthChanged(key, nowHealthy);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "a health listener failed", e);
                }
            }
        }
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        if (t instanceof TimeoutException || t instanceof java.net.http.HttpTimeoutException) return "timed out";
        String message = t.getMessage();
        return message == null || message.isEmpty() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + message;
    }

    private static String uriHost(String address) {
        return address.contains(":") ? "[" + address + "]" : address;
    }

    private static void closeQuietly(AsynchronousSocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do: the check's result is already known
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
