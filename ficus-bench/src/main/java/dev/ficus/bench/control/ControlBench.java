package dev.ficus.bench.control;

import com.google.gson.GsonBuilder;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.validate.Validator;
import dev.ficus.control.ControlPlane;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.translate.ProxyIdentity;
import dev.ficus.xds.translate.TranslateOptions;
import dev.ficus.xds.translate.Translator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The control-plane scale scenario: generate a mesh, start the real control plane on it
 * in-process, connect the simulated proxies and wait until all of them hold the first version;
 * then, round after round, edit one VirtualService and time, per proxy, the way from the file
 * write to the push that carries the new version (the control plane's directory poll included);
 * then move one endpoint and check that every proxy is sent that one cluster and nothing else;
 * last, the heap after a full collection. Runs on the caller's thread; the control plane and the
 * proxies share this JVM, so the heap figure bounds the control plane's own.
 */
public final class ControlBench {

    /** What to simulate. */
    public record Config(int proxies, int services, int identities, int namespaces, int rounds,
                         int streamsPerChannel, Duration watchInterval, Duration debounce, Duration timeout) {
        public Config {
            if (proxies < 1) throw new IllegalArgumentException("--proxies: at least 1, got " + proxies);
            if (services < 20) throw new IllegalArgumentException("--services: at least 20, got " + services);
            if (identities < 1 || identities > proxies) throw new IllegalArgumentException("--identities: 1.." + proxies + ", got " + identities);
            if (rounds < 1) throw new IllegalArgumentException("--rounds: at least 1, got " + rounds);
        }

        /** The issue's scenario: 1000 proxies of 10 identities, 5000 services, 5 rounds. */
        public static Config defaults() {
            return new Config(1000, 5000, 10, 5, 5, 50, Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(300));
        }

        public Config with(int proxies, int services, int identities, int rounds) {
            return new Config(proxies, services, identities, namespaces, rounds, streamsPerChannel, watchInterval, debounce, timeout);
        }
    }

    /** Milliseconds over the proxies. */
    public record Spread(double p50, double p90, double p99, double max) {
        static Spread of(long[] nanos) {
            long[] s = nanos.clone();
            Arrays.sort(s);
            return new Spread(ms(at(s, 0.50)), ms(at(s, 0.90)), ms(at(s, 0.99)), ms(s[s.length - 1]));
        }

        /** Nearest rank: the smallest value with at least {@code q} of the values at or below it. */
        private static long at(long[] sorted, double q) {
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.max(0, rank - 1)];
        }

        static double ms(long nanos) { return Math.round(nanos / 10_000.0) / 100.0; }
    }

    /**
     * One push to every proxy. {@code controlPlaneBuckets}: the control plane's own
     * {@code pilot_proxy_convergence_time} for this push (seconds bound → ACKs within it; measured
     * from the start of its push round, so without the directory poll and reload).
     */
    public record Push(String change, Spread convergenceMs, double acceptedMs, double resourcesPerProxy, double removedPerProxy,
                       long minResources, long maxResources, long bodyBytesPerProxy,
                       Map<String, Long> controlPlaneBuckets, double controlPlaneMeanMs) {
    }

    /** Everything measured. */
    public record Result(Config config, int channels, int configFiles, long configBytes, long startMs, long translateMs, Push initial,
                         List<Push> rounds, Push endpoint, long heapUsedBytes, long heapMaxBytes, List<String> failures) {
        public Spread worstRound() {
            return rounds.stream().map(Push::convergenceMs).max(Comparator.comparingDouble(Spread::p99)).orElseThrow();
        }

        public boolean passed() { return failures.isEmpty(); }

        /** The figures as JSON. */
        public String json() {
            return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(this);
        }

        /** The figures for a person. */
        public String text() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "control plane at scale: %d proxies (%d identities, %d streams per connection, %d connections), %d services in %d namespaces%n",
                    config.proxies(), config.identities(), config.streamsPerChannel(), channels, config.services(), config.namespaces()));
            b.append(String.format(Locale.ROOT, "config: %d files, %.1f MiB; control plane started in %d ms (load, validate); one identity translates in %d ms (warm, alone)%n",
                    configFiles, configBytes / 1048576.0, startMs, translateMs));
            b.append(String.format(Locale.ROOT, "%-22s %9s %9s %9s %9s %9s %11s %9s %13s %s%n",
                    "push", "accepted", "p50 ms", "p90 ms", "p99 ms", "max ms", "resources", "removed", "bytes/proxy", "control plane: ACKs within s"));
            row(b, initial);
            rounds.forEach(r -> row(b, r));
            row(b, endpoint);
            Spread w = worstRound();
            b.append(String.format(Locale.ROOT, "worst VirtualService round: p99 %.1f ms, max %.1f ms (bound: p99 <= 1000 ms)%n", w.p99(), w.max()));
            b.append(String.format(Locale.ROOT, "endpoint change: %d..%d resources and %.0f removed per proxy, %d bytes; the first push carried %.0f resources, %d bytes%n",
                    endpoint.minResources(), endpoint.maxResources(), endpoint.removedPerProxy(), endpoint.bodyBytesPerProxy(),
                    initial.resourcesPerProxy(), initial.bodyBytesPerProxy()));
            b.append(String.format(Locale.ROOT, "heap after GC: %.0f MiB used of %.0f MiB max (control plane and simulated proxies together; bound: 1024 MiB)%n",
                    heapUsedBytes / 1048576.0, heapMaxBytes / 1048576.0));
            b.append(failures.isEmpty() ? "all bounds hold\n" : "FAILED: " + String.join("; ", failures) + "\n");
            return b.toString();
        }

        private static void row(StringBuilder b, Push p) {
            Spread s = p.convergenceMs();
            b.append(String.format(Locale.ROOT, "%-22s %9.1f %9.1f %9.1f %9.1f %9.1f %11.1f %9.1f %13d %s%n",
                    p.change(), p.acceptedMs(), s.p50(), s.p90(), s.p99(), s.max(), p.resourcesPerProxy(), p.removedPerProxy(),
                    p.bodyBytesPerProxy(), p.controlPlaneBuckets()));
        }
    }

    private final Config config;
    private final Consumer<String> progress;
    private final AcceptLog log = new AcceptLog();

    public ControlBench(Config config, Consumer<String> progress) {
        this.config = config;
        this.progress = progress;
    }

    /** Runs the scenario in a temporary directory, removed afterwards. */
    public Result run() throws Exception {
        Path dir = Files.createTempDirectory("ficus-bench-control");
        try {
            return run(dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private Result run(Path dir) throws Exception {
        MeshGenerator mesh = new MeshGenerator(config.services(), config.identities(), config.namespaces());
        mesh.writeAll(dir);
        int files;
        long bytes;
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.toList();
            files = all.size();
            bytes = all.stream().mapToLong(ControlBench::size).sum();
        }
        progress.accept(String.format(Locale.ROOT, "wrote %d services, %d identities in %d files (%.1f MiB) to %s",
                config.services(), config.identities(), files, bytes / 1048576.0, dir));
        long t0 = System.nanoTime();
        ControlPlane cp = ControlPlane.builder().config(List.of(dir.toString())).sync("127.0.0.1", 0).http("127.0.0.1", -1)
                .watchInterval(config.watchInterval()).debounce(config.debounce()).log(log).build().start();
        long startMs = (System.nanoTime() - t0) / 1_000_000;
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < config.proxies(); i++) nodes.add(mesh.node(i));
        Histogram h = Histogram.read(cp);
        long connectAt = System.nanoTime();
        try (cp; SimulatedProxies proxies = SimulatedProxies.connect("127.0.0.1", cp.syncPort(), nodes, config.streamsPerChannel())) {
            List<SimulatedProxies.Proxy> all = proxies.proxies();
            progress.accept("control plane up in " + startMs + " ms; connecting " + all.size() + " proxies");
            awaitAll(all, p -> p.last() != null, "the first push");
            awaitAcks(cp);
            Push initial = measure("first push (connect)", all, p -> p.pushes().getFirst(), connectAt, h.since(cp), connectAt);
            progress.accept(String.format(Locale.ROOT, "all %d proxies hold the first version: max %.0f ms after connecting", all.size(), initial.convergenceMs().max()));

            List<Push> rounds = new ArrayList<>();
            int weight = 10; // the generated split: 90/10
            for (int r = 1; r <= config.rounds(); r++) {
                settle(cp);
                int w = weight = weight >= 90 ? 10 : weight + 10;
                rounds.add(change("VirtualService #" + r, cp, all, () -> mesh.rewriteVirtualService(dir, mesh.routedService(), w)));
                progress.accept(String.format(Locale.ROOT, "VirtualService round %d: p99 %.1f ms", r, rounds.getLast().convergenceMs().p99()));
            }
            settle(cp);
            Push endpoint = change("endpoint move", cp, all, () -> mesh.moveEndpoint(dir, mesh.movedService(), 1));
            progress.accept(String.format(Locale.ROOT, "endpoint move: %d..%d resources per proxy", endpoint.minResources(), endpoint.maxResources()));
            long translateMs = translateOne(dir, mesh);
            progress.accept("translating one identity alone takes " + translateMs + " ms");
            for (int i = 0; i < 3; i++) ManagementFactory.getMemoryMXBean().gc();
            MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
            long used = mem.getHeapMemoryUsage().getUsed();
            long max = mem.getHeapMemoryUsage().getMax();

            List<String> failures = new ArrayList<>();
            Spread worst = rounds.stream().map(Push::convergenceMs).max(Comparator.comparingDouble(Spread::p99)).orElseThrow();
            if (worst.p99() > 1000) failures.add(String.format(Locale.ROOT, "VirtualService change: p99 %.1f ms > 1000 ms", worst.p99()));
            if (endpoint.minResources() != 1 || endpoint.maxResources() != 1 || endpoint.removedPerProxy() != 0) {
                failures.add("endpoint change: " + endpoint.minResources() + ".." + endpoint.maxResources() + " resources and "
                        + endpoint.removedPerProxy() + " removed per proxy, expected exactly 1 and 0");
            }
            if (used > 1L << 30) failures.add("heap: " + (used >> 20) + " MiB used > 1024 MiB");
            proxies.disconnect();
            awaitDisconnects(cp);
            return new Result(config, proxies.channels(), files, bytes, startMs, translateMs, initial, rounds, endpoint, used, max, failures);
        }
    }

    /** An edit of the files. */
    private interface Edit {
        void apply() throws IOException;
    }

    /** Makes one change and measures the push that carries it, from the file write to each proxy's arrival. */
    private Push change(String name, ControlPlane cp, List<SimulatedProxies.Proxy> all, Edit edit) throws Exception {
        Map<SimulatedProxies.Proxy, String> before = new IdentityHashMap<>();
        for (SimulatedProxies.Proxy p : all) before.put(p, p.last().version());
        Histogram h = Histogram.read(cp);
        long t0 = System.nanoTime(); // the control plane's poll, reload, translation and push all count
        edit.apply();
        awaitAll(all, p -> p.firstChangeAfter(t0, before.get(p)) != null, name);
        awaitAcks(cp);
        return measure(name, all, p -> p.firstChangeAfter(t0, before.get(p)), t0, h.since(cp), log.acceptedAfter(t0));
    }

    private static Push measure(String name, List<SimulatedProxies.Proxy> all, java.util.function.Function<SimulatedProxies.Proxy, SimulatedProxies.Push> which,
                                long t0, Histogram cpHistogram, long acceptedAt) {
        long[] nanos = new long[all.size()];
        long resources = 0, removed = 0, bodyBytes = 0, min = Long.MAX_VALUE, max = 0;
        for (int i = 0; i < all.size(); i++) {
            SimulatedProxies.Push p = which.apply(all.get(i));
            nanos[i] = p.arrivedNanos() - t0;
            resources += p.resources();
            removed += p.removed();
            bodyBytes += p.bodyBytes();
            min = Math.min(min, p.resources());
            max = Math.max(max, p.resources());
        }
        int n = all.size();
        return new Push(name, Spread.of(nanos), Spread.ms(acceptedAt - t0), (double) resources / n, (double) removed / n, min, max, bodyBytes / n,
                cpHistogram.buckets(), cpHistogram.meanMs());
    }

    /**
     * The translation of one identity, timed on its own (the control plane translates every
     * identity again after each change, before its push round can start).
     */
    private static long translateOne(Path dir, MeshGenerator mesh) {
        ConfigLoader.Result loaded = Validator.loadAndValidate(List.of(dir.toString()), InputStream.nullInputStream());
        ConfigSet config = Validator.effective(loaded.config());
        Node n = mesh.node(0);
        ProxyIdentity who = new ProxyIdentity(n.workloads().getFirst(), n.namespace(), Map.of("app", n.workloads().getFirst()), null);
        long t0 = System.nanoTime();
        Translator.translate(config, who, TranslateOptions.DEFAULTS);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Waits until the control plane has seen every stream end, so that closing it leaves nothing half done. */
    private void awaitDisconnects(ControlPlane cp) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (cp.metrics().connectedProxies() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
    }

    /** Waits until the control plane has taken every ACK (the proxies send them on arrival). */
    private void awaitAcks(ControlPlane cp) throws InterruptedException {
        long deadline = System.nanoTime() + config.timeout().toNanos();
        while (cp.proxies().stream().anyMatch(s -> s.pendingVersion() != null)) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("pushes still in flight after " + config.timeout());
            Thread.sleep(10);
        }
    }

    /** A pause between changes, so that one round's work does not spill into the next. */
    private void settle(ControlPlane cp) throws InterruptedException {
        awaitAcks(cp);
        Thread.sleep(2 * config.watchInterval().toMillis() + config.debounce().toMillis() + 500);
    }

    private void awaitAll(List<SimulatedProxies.Proxy> all, Predicate<SimulatedProxies.Proxy> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + config.timeout().toNanos();
        // Only the proxies still waiting are looked at again, and not too often: this thread shares
        // the cores with the control plane it measures (arrival times are taken by the proxies).
        List<SimulatedProxies.Proxy> waiting = new ArrayList<>(all);
        while (true) {
            String error = null;
            for (java.util.Iterator<SimulatedProxies.Proxy> it = waiting.iterator(); it.hasNext(); ) {
                SimulatedProxies.Proxy p = it.next();
                if (done.test(p)) it.remove();
                else if (p.error() != null) error = p.node().id() + ": " + p.error();
            }
            if (waiting.isEmpty()) return;
            if (error != null) throw new IllegalStateException("a simulated proxy lost its stream waiting for " + what + ": " + error);
            if (System.nanoTime() > deadline) throw new IllegalStateException(waiting.size() + " proxies still wait for " + what + " after " + config.timeout());
            Thread.sleep(20);
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Notes when the control plane accepts a changed config: poll, load and validation are done, the push is scheduled. */
    private static final class AcceptLog implements ControlPlane.Logger {
        private volatile long acceptedAt;

        @Override public void info(String m) { if (m.startsWith("config change accepted")) acceptedAt = System.nanoTime(); }
        @Override public void warn(String m) {}
        @Override public void error(String m) { System.err.println("ficus bench control: control plane: " + m); }

        long acceptedAfter(long t0) { return acceptedAt >= t0 ? acceptedAt : t0; }
    }

    /** The control plane's convergence histogram, read from its Prometheus text; {@link #since} gives one push's share. */
    private record Histogram(Map<String, Long> cumulative, double sumSeconds) {
        private static final String BUCKET = "pilot_proxy_convergence_time_bucket{le=\"";

        static Histogram read(ControlPlane cp) {
            Map<String, Long> buckets = new LinkedHashMap<>();
            double sum = 0;
            for (String line : cp.metrics().prometheus().split("\n")) {
                if (line.startsWith(BUCKET)) {
                    int q = line.indexOf('"', BUCKET.length());
                    buckets.put(line.substring(BUCKET.length(), q), Long.parseLong(line.substring(line.lastIndexOf(' ') + 1)));
                } else if (line.startsWith("pilot_proxy_convergence_time_sum ")) {
                    sum = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return new Histogram(buckets, sum);
        }

        Histogram since(ControlPlane cp) {
            Histogram now = read(cp);
            Map<String, Long> d = new LinkedHashMap<>();
            now.cumulative.forEach((le, n) -> d.put(le, n - cumulative.getOrDefault(le, 0L)));
            return new Histogram(d, now.sumSeconds - sumSeconds);
        }

        /** Cumulative ACK counts per bucket bound (seconds), up to the first bucket that holds them all. */
        Map<String, Long> buckets() {
            long total = cumulative.getOrDefault("+Inf", 0L);
            Map<String, Long> out = new LinkedHashMap<>();
            for (var e : cumulative.entrySet()) {
                out.put("<=" + e.getKey(), e.getValue());
                if (e.getValue() == total) break;
            }
            return out;
        }

        double meanMs() {
            long count = cumulative.getOrDefault("+Inf", 0L);
            return count == 0 ? 0 : Math.round(sumSeconds / count * 1e5) / 100.0;
        }
    }
}
