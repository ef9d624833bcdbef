package dev.ficus.proxy.parallelrun;

import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteParallelRun;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The parallel runs of one proxy: their results by Rollout id (kept while the Rollout stays in
 * the snapshots, dropped when it leaves), one comparer thread fed by a bounded queue, and a memory
 * budget for the answers kept while comparisons are in flight. When either is full, a sampled
 * request is not compared and the skip is counted: nothing here ever makes an event loop wait.
 *
 * <p>Threads: {@link #install} runs where snapshots are installed; {@link #reserve},
 * {@link #release} and {@link #submit} on event loops (lock-free); {@link #json} and
 * {@link #prometheus} on the admin thread.
 */
public final class ParallelRuns implements AutoCloseable {
    /** Comparisons waiting for the comparer at most. */
    public static final int MAX_QUEUED = 256;
    /**
     * Bytes of answers held at most by comparisons in flight or waiting (a worst case is reserved up
     * front): an eighth of the heap, at most 16 MiB (8 MiB in the proxy's 64 MiB heap).
     */
    public static final long DEFAULT_BUDGET_BYTES = Math.min(16L << 20, Runtime.getRuntime().maxMemory() / 8);

    private final ConcurrentHashMap<String, ParallelRunState> runs = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicReference<Thread> comparer = new AtomicReference<>();
    private final LongAdder failures = new LongAdder();
    private final long budget;
    private volatile boolean closed;

    public ParallelRuns() { this(DEFAULT_BUDGET_BYTES); }

    /** @param budget bytes of answers comparisons may hold at once */
    public ParallelRuns(long budget) { this.budget = budget; }

    /**
     * Makes the runs of {@code s} known (a new Rollout starts from zero, one that stays keeps its
     * results) and forgets those {@code s} no longer has. Returns the state of each run of
     * {@code s}, by id, for the snapshot's requests to find.
     */
    public Map<String, ParallelRunState> install(ProxySnapshot s) {
        Map<String, ParallelRunState> out = new HashMap<>();
        for (RouteTable t : s.routeTables().values()) {
            for (VirtualHost vh : t.virtualHosts()) {
                for (Route r : vh.routes()) {
                    RouteParallelRun pr = r.policies().parallelRun();
                    if (pr != null && !out.containsKey(pr.id())) out.put(pr.id(), runs.computeIfAbsent(pr.id(), id -> new ParallelRunState(id, this)));
                }
            }
        }
        runs.keySet().retainAll(out.keySet());
        return Map.copyOf(out);
    }

    /** The run kept under {@code id}, or null. */
    public ParallelRunState run(String id) { return runs.get(id); }

    /** Takes {@code bytes} from the memory budget; false when they do not fit. Event loop. */
    public boolean reserve(long bytes) {
        while (true) {
            long now = reserved.get();
            if (now + bytes > budget) return false;
            if (reserved.compareAndSet(now, now + bytes)) return true;
        }
    }

    /** Gives back what {@link #reserve} took. Any thread. */
    public void release(long bytes) { reserved.addAndGet(-bytes); }

    /** Bytes reserved now. */
    public long reserved() { return reserved.get(); }

    /** Comparisons waiting now. */
    public int queued() { return queued.get(); }

    /** Comparisons that threw (a bug: the run goes on, the comparison is lost). */
    public long failures() { return failures.sum(); }

    /**
     * Queues {@code comparison} for the comparer thread; false, and nothing queued, when
     * {@link #MAX_QUEUED} wait already or the proxy is closing. Event loop; never blocks.
     */
    public boolean submit(Runnable comparison) {
        if (closed) return false;
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            return false;
        }
        queue.offer(comparison);
        LockSupport.unpark(comparer());
        return true;
    }

    private Thread comparer() {
        Thread t = comparer.get();
        if (t != null) return t;
        Thread fresh = Thread.ofPlatform().daemon().name("ficus-parallel-run").unstarted(this::work);
        if (comparer.compareAndSet(null, fresh)) {
            fresh.start();
            return fresh;
        }
        return comparer.get();
    }

    private void work() {
        while (!closed) {
            Runnable r = queue.poll();
            if (r == null) {
                LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(1));
                continue;
            }
            queued.decrementAndGet();
            try {
                r.run();
            } catch (RuntimeException e) {
                failures.increment();
            }
        }
    }

    /** {@code GET /parallel-runs}: every run's counters, noisy paths and recent mismatches, by id. */
    public String json() {
        StringBuilder b = new StringBuilder(256).append("{\"runs\":[");
        boolean first = true;
        for (ParallelRunState s : new TreeMap<>(runs).values()) {
            if (!first) b.append(',');
            first = false;
            s.json(b);
        }
        return b.append("]}").toString();
    }

    /** Appends the runs' Prometheus series (nothing when no run is on); admin thread. */
    public void prometheus(StringBuilder b) {
        if (runs.isEmpty()) return;
        StringBuilder responses = new StringBuilder(), skips = new StringBuilder();
        for (ParallelRunState s : new TreeMap<>(runs).values()) s.prometheus(responses, skips);
        b.append("# HELP ficus_parallel_run_responses_total Requests of parallel runs by comparison result: match, mismatch, noise (differed only where stable and secondary differ), skipped (not compared).\n")
                .append("# TYPE ficus_parallel_run_responses_total counter\n").append(responses)
                .append("# HELP ficus_parallel_run_skipped_total Requests of parallel runs not compared, by reason.\n")
                .append("# TYPE ficus_parallel_run_skipped_total counter\n").append(skips);
    }

    /** Stops the comparer; comparisons still waiting are dropped. */
    @Override
    public void close() {
        closed = true;
        Thread t = comparer.get();
        if (t != null) LockSupport.unpark(t);
        queue.clear();
    }
}
