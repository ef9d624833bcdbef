package dev.ficus.bench.mesh;

import dev.ficus.bench.load.LoadConfig;
import dev.ficus.bench.load.LoadGenerator;
import dev.ficus.bench.load.LoadResult;
import dev.ficus.bench.load.Progress;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs the scenarios on loopback: one backend for the whole run, then per round every scenario
 * (order rotated by one each round) with its own freshly started processes: an unrecorded
 * closed-loop priming pass (the JIT's warm-up), an open-loop pass at the fixed rate and a
 * closed-loop pass, while the proxy processes' CPU and RSS are sampled.
 *
 * <p>Called from one thread (the command's); the RSS sampler is a second, daemon thread.
 */
public final class MeshBench {
    private static final Duration RSS_SAMPLE_PERIOD = Duration.ofMillis(200);

    private final MeshBenchConfig config;
    private final Consumer<String> log;
    /** The nginx backend while it runs (null: the in-process one, whose CPU is the benchmark's own). */
    private ManagedProcess backend;

    /** @param log one line per step (scenario started, pass done ...), for the user's terminal */
    public MeshBench(MeshBenchConfig config, Consumer<String> log) {
        this.config = config;
        this.log = log;
    }

    /** The {@code ficus} launcher: {@code FICUS_LAUNCHER} (set by the launcher), else the nearest directory upwards holding {@code ficus} and {@code ficus-cli}. */
    public static Optional<Path> findLauncher(Path from) {
        String env = System.getenv("FICUS_LAUNCHER");
        if (env != null && Files.isExecutable(Path.of(env))) return Optional.of(Path.of(env));
        String root = System.getProperty("ficus.root");
        if (root != null && Files.isExecutable(Path.of(root, "ficus"))) return Optional.of(Path.of(root, "ficus").toAbsolutePath());
        for (Path d = from.toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve("ficus")) && Files.isDirectory(d.resolve("ficus-cli"))) return Optional.of(d.resolve("ficus"));
        }
        return Optional.empty();
    }

    /** A program on PATH or in the sbin directories (nginx and haproxy live in /usr/sbin). */
    public static Optional<Path> findTool(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
    }

    public MeshReport run() throws IOException, InterruptedException {
        Optional<Path> nginx = findTool("nginx");
        Optional<Path> haproxy = findTool("haproxy");
        Map<Scenario, String> skipped = new LinkedHashMap<>();
        List<Scenario> scenarios = new ArrayList<>();
        for (Scenario s : config.scenarios()) {
            if (s == Scenario.HAPROXY && haproxy.isEmpty()) skipped.put(s, "not installed (haproxy)");
            else if (s == Scenario.NGINX && nginx.isEmpty()) skipped.put(s, "not installed (nginx)");
            else scenarios.add(s);
        }
        skipped.forEach((s, why) -> log.accept(s.label() + ": skipped, " + why));
        Path work = Files.createTempDirectory("ficus-bench-mesh-");
        // nginx's worker runs as another user (www-data): it must be able to read the body
        if (Files.getFileStore(work).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String loadBefore = ProcStats.loadAverage();
        Instant started = Instant.now();
        List<ScenarioRun> runs = new ArrayList<>();
        String backendKind;
        String pinned = "";
        int backendPort = RunningScenario.freePort();
        ManagedProcess nginxBackend = null;
        FallbackBackend fallback = null;
        // Ctrl-C or SIGTERM on the benchmark stops what it started, by PID
        Thread stopAll = new Thread(ManagedProcess::closeAll, "mesh-bench-stop");
        Runtime.getRuntime().addShutdownHook(stopAll);
        CpuPinning pinning = CpuPinning.NONE;
        try {
            if (config.pin()) {
                pinning = CpuPinning.pin();
                pinned = "proxies on CPU " + pinning.proxyCpus() + "; load generator, backend, control plane and OTLP sink on CPU " + pinning.otherCpus();
                log.accept("pinned: " + pinned);
            }
            if (nginx.isPresent()) {
                Path dir = Files.createDirectories(work.resolve("backend"));
                Files.writeString(dir.resolve("body"), "x".repeat(1024));
                Path cfg = RunningScenario.write(dir.resolve("nginx.conf"), MeshConfigs.nginxBackend(dir, backendPort));
                nginxBackend = ManagedProcess.start("nginx-backend", pinning.other(List.of(nginx.get().toString(), "-c", cfg.toString())), dir);
                backend = nginxBackend;
                if (!HttpProbe.awaitOk(backendPort, "127.0.0.1", Duration.ofSeconds(10))) {
                    throw new IOException("the nginx backend did not answer on 127.0.0.1:" + backendPort + "; its log:\n" + nginxBackend.tail());
                }
                backendKind = "nginx (1 worker, 1 KiB body)";
            } else {
                fallback = new FallbackBackend(backendPort);
                backendKind = "in-process Netty (1 event loop, 1 KiB body; nginx not installed)";
            }
            log.accept("backend: " + backendKind + " on 127.0.0.1:" + backendPort + "; logs and configs in " + work + " (removed at the end unless a scenario fails)");
            RunningScenario.Environment env = new RunningScenario.Environment(config.ficus(), nginx.orElse(null), haproxy.orElse(null),
                    backendPort, work, config.policyRules(), config.startTimeout(), pinning);
            if (config.sameProcesses()) {
                runOnSameProcesses(scenarios, env, runs);
            } else {
                for (int round = 1; round <= config.rounds(); round++) {
                    for (Scenario s : roundOrder(scenarios, round)) runs.add(runOne(s, env, round));
                }
            }
        } finally {
            if (nginxBackend != null) nginxBackend.close();
            backend = null;
            if (fallback != null) fallback.close();
            pinning.close();
            try {
                Runtime.getRuntime().removeShutdownHook(stopAll);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs
            }
        }
        deleteTree(work); // kept when a scenario failed: its logs say why
        ProcStats.ClockTicks ticks = ProcStats.clockTicks();
        MeshReport.Machine machine = new MeshReport.Machine(Runtime.getRuntime().availableProcessors(), loadBefore,
                ProcStats.loadAverage(), ticks.perSecond(), ticks.assumed(), ProcStats.available(), backendKind,
                LoadGenerator.transportName(), started, Instant.now(), work.toString(), pinned);
        return new MeshReport(config, machine, runs, skipped);
    }

    /**
     * The order of one round. Scenarios that form a {@link Scenario#PAIRS pair} (or a chain of
     * pairs) run back to back as one group, so that each with/without ratio compares two runs a
     * few seconds apart; the groups rotate by one per round and so does the order inside a group
     * (for a pair: with first in odd rounds, without first in even ones), so neither side always
     * runs first. Without pairs this is the plain rotation by one.
     */
    static List<Scenario> roundOrder(List<Scenario> scenarios, int round) {
        List<List<Scenario>> groups = new ArrayList<>();
        java.util.Set<Scenario> placed = new java.util.HashSet<>();
        for (Scenario s : scenarios) {
            if (!placed.add(s)) continue;
            List<Scenario> group = new ArrayList<>(List.of(s));
            for (int i = 0; i < group.size(); i++) { // the pair graph's component of s, in the given order
                Scenario g = group.get(i);
                for (Scenario t : scenarios) {
                    if (placed.contains(t)) continue;
                    boolean paired = Scenario.PAIRS.stream().anyMatch(p -> p.with() == g && p.without() == t || p.with() == t && p.without() == g);
                    if (paired) {
                        placed.add(t);
                        group.add(t);
                    }
                }
            }
            groups.add(group);
        }
        List<Scenario> out = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            List<Scenario> g = groups.get((i + round - 1) % groups.size());
            for (int j = 0; j < g.size(); j++) out.add(g.get((j + round - 1) % g.size()));
        }
        return out;
    }

    private ScenarioRun runOne(Scenario s, RunningScenario.Environment env, int round) throws IOException, InterruptedException {
        log.accept("round " + round + ": " + s.label() + ": starting");
        try (RunningScenario running = RunningScenario.start(s, env, round)) {
            prime(running);
            return measure(running, round);
        }
    }

    /**
     * {@code --same-processes}: every scenario's processes are started and primed once, then each
     * round measures them again, the pairs back to back as in {@link #roundOrder}. Rounds are then
     * short slices of one long run: a JVM's start and JIT no longer differ between rounds, and the
     * two sides of a pair see the same background load, minutes apart at most.
     */
    private void runOnSameProcesses(List<Scenario> scenarios, RunningScenario.Environment env, List<ScenarioRun> runs)
            throws IOException, InterruptedException {
        Map<Scenario, RunningScenario> live = new LinkedHashMap<>();
        try {
            for (Scenario s : scenarios) {
                log.accept(s.label() + ": starting (its processes serve every round)");
                live.put(s, RunningScenario.start(s, env, 0));
            }
            for (RunningScenario r : live.values()) {
                log.accept(r.scenario().label() + ": priming");
                prime(r);
            }
            for (int round = 1; round <= config.rounds(); round++) {
                List<Scenario> order = roundOrder(scenarios, round);
                for (int i = 0; i < order.size(); i++) {
                    Scenario s = order.get(i);
                    if (config.concurrentPairs() && i + 1 < order.size() && paired(s, order.get(i + 1))) {
                        runs.addAll(measure(List.of(live.get(s), live.get(order.get(i + 1))), round));
                        i++;
                    } else {
                        runs.add(measure(live.get(s), round));
                    }
                }
            }
        } finally {
            for (RunningScenario r : List.copyOf(live.values()).reversed()) r.close();
        }
    }

    private static boolean paired(Scenario a, Scenario b) {
        return Scenario.PAIRS.stream().anyMatch(p -> p.with() == a && p.without() == b || p.with() == b && p.without() == a);
    }

    private void prime(RunningScenario running) throws InterruptedException {
        if (config.prime().isZero()) return;
        load(URI.create("http://127.0.0.1:" + running.port() + "/"), running.host(), LoadConfig.MAX_RATE, config.prime(), Duration.ZERO, 0);
    }

    private ScenarioRun measure(RunningScenario running, int round) throws IOException, InterruptedException {
        return measure(List.of(running), round).getFirst();
    }

    /** What is read from one scenario's processes around its passes. */
    private static final class Side {
        final RunningScenario running;
        final Map<String, Long> maxRss = new ConcurrentHashMap<>();
        final Map<String, List<Long>> trees = new LinkedHashMap<>();
        final List<LoadResult> discarded = new ArrayList<>();
        Usage u0, u1;
        long spans0, req0, bytes0, bad0, spans1;

        Side(RunningScenario running) {
            this.running = running;
            // the proxies' process trees, found once: the sampler runs on the load generator's CPU during the passes
            for (ManagedProcess p : running.proxies()) trees.put(p.name(), p.pids());
        }

        void sampleRss() { trees.forEach((name, pids) -> maxRss.merge(name, ManagedProcess.rssKib(pids), Math::max)); }

        long spans() { return running.sink() == null ? 0 : running.sink().spans(); }
    }

    /**
     * Measures one scenario, or ({@code --concurrent-pairs}) the two sides of a pair together:
     * their open-loop passes at the same time (see {@link #loadAtRate}), then each side's
     * closed-loop pass alone. Each side's CPU is its own proxies'; the load generator's and the
     * backend's during a shared pass are the pair's together.
     */
    private List<ScenarioRun> measure(List<RunningScenario> group, int round) throws IOException, InterruptedException {
        List<Side> sides = group.stream().map(Side::new).toList();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mesh-rss-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(() -> sides.forEach(Side::sampleRss), 0, RSS_SAMPLE_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        try {
            long t0;
            List<LoadResult> atRate;
            while (true) {
                collectGarbage();
                for (Side d : sides) {
                    d.u0 = usage(d.running);
                    d.spans0 = d.spans();
                    OtlpSink sink = d.running.sink();
                    d.req0 = sink == null ? 0 : sink.requests();
                    d.bytes0 = sink == null ? 0 : sink.bytes();
                    d.bad0 = sink == null ? 0 : sink.malformed();
                }
                t0 = System.nanoTime();
                atRate = loadAtRate(group, round);
                for (Side d : sides) d.u1 = usage(d.running);
                LoadResult.Instrument spoiled = atRate.stream().map(LoadResult::instrument).filter(LoadResult.Instrument::spoiled)
                        .findFirst().orElse(atRate.getFirst().instrument());
                if (!repeat(spoiled, sides.getFirst().discarded.size(), config.repeatSpoiled())) break;
                for (int i = 0; i < sides.size(); i++) sides.get(i).discarded.add(atRate.get(i));
                log.accept(String.format(java.util.Locale.ROOT, "round %d: %s: the load generator spoiled the pass at the rate (%s): "
                        + "discarded, running it again (repeat %d of at most %d)", round, labels(group), spoiled.why(),
                        sides.getFirst().discarded.size(), config.repeatSpoiled()));
            }
            long t1 = System.nanoTime();
            for (Side d : sides) d.spans1 = d.spans();
            double tick = ProcStats.clockTicks().perSecond();
            List<ScenarioRun> runs = new ArrayList<>();
            for (int i = 0; i < sides.size(); i++) {
                Side d = sides.get(i);
                RunningScenario running = d.running;
                Scenario s = running.scenario();
                OtlpSink sink = running.sink();
                collectGarbage();
                // read again right before this side's closed-loop pass: a pair's second side waited through the first's
                Usage beforeMax = usage(running);
                long spansBeforeMax = d.spans(), tBeforeMax = System.nanoTime();
                URI target = URI.create("http://127.0.0.1:" + running.port() + "/");
                LoadResult max = load(target, running.host(), LoadConfig.MAX_RATE, config.maxDuration(), config.warmup(), 0);
                Usage u2 = usage(running);
                long spans2 = d.spans(), t2 = System.nanoTime();
                ScenarioRun.Tracing tracing = null;
                if (sink != null) {
                    long[] fate = new long[3];
                    String[] results = {"exported", "dropped", "failed"};
                    for (int admin : running.adminPorts()) {
                        for (int f = 0; f < 3; f++) {
                            fate[f] += Math.max(0, RunningScenario.counter(admin, "ficus_tracing_spans_total{result=\"" + results[f] + "\"}"));
                        }
                    }
                    tracing = new ScenarioRun.Tracing(d.spans1 - d.spans0, spans2 - spansBeforeMax, (t1 - t0) / 1e9, (t2 - tBeforeMax) / 1e9,
                            sink.requests() - d.req0, sink.bytes() - d.bytes0, sink.malformed() - d.bad0, fate[0], fate[1], fate[2]);
                }
                for (ManagedProcess p : Stream.concat(running.proxies().stream(), running.others().stream()).toList()) {
                    if (!p.alive()) throw new IOException(s.label() + ": " + p.name() + " exited during the run; its log:\n" + p.tail());
                }
                LoadResult rate = atRate.get(i);
                ScenarioRun run = new ScenarioRun(s, round, rate, max, (d.u1.proxyTicks() - d.u0.proxyTicks()) / tick,
                        (u2.proxyTicks() - beforeMax.proxyTicks()) / tick, Map.copyOf(new java.util.TreeMap<>(d.maxRss)), running.security(),
                        tracing, d.u0.beside(d.u1, tick), beforeMax.beside(u2, tick), d.discarded);
                log.accept(String.format(java.util.Locale.ROOT, "round %d: %s: %.0f/s p50 %d us p99 %d us, max %.0f/s, %d failed%s%s",
                        round, s.label(), rate.achievedRate(), rate.latency().getValueAtPercentile(50),
                        rate.latency().getValueAtPercentile(99), max.achievedRate(),
                        ScenarioRun.failures(rate) + ScenarioRun.failures(max),
                        group.size() > 1 ? " (at the rate beside " + labels(group.stream().filter(g -> g != running).toList()) + ")" : "",
                        rate.instrument().spoiled() ? "; the load generator spoiled the pass at the rate: " + rate.instrument().why() : ""));
                runs.add(run);
            }
            return runs;
        } finally {
            sampler.shutdownNow();
            sampler.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static String labels(List<RunningScenario> group) {
        return String.join(" + ", group.stream().map(r -> r.scenario().label()).toList());
    }

    /** Time given to a side-by-side pass's connections to open before its schedule starts. */
    private static final Duration SIDE_BY_SIDE_LEAD = Duration.ofSeconds(1);

    /**
     * The open-loop pass of one scenario, or of a pair's two sides at the same time: one load
     * each, each at the rate, with schedules half a send interval apart (which side leads
     * alternates by round), so that their sends interleave and a stall of the machine meets both.
     */
    private List<LoadResult> loadAtRate(List<RunningScenario> group, int round) throws InterruptedException {
        if (group.size() == 1) {
            RunningScenario r = group.getFirst();
            return List.of(load(URI.create("http://127.0.0.1:" + r.port() + "/"), r.host(), config.rate(), config.duration(), config.warmup(), 0));
        }
        long half = (long) (0.5e9 / config.rate());
        long start = System.nanoTime() + SIDE_BY_SIDE_LEAD.toNanos();
        LoadResult[] out = new LoadResult[group.size()];
        RuntimeException[] failed = new RuntimeException[group.size()];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            int side = i;
            RunningScenario r = group.get(i);
            long at = start + ((i + round) % 2 == 0 ? 0 : half);
            threads.add(Thread.ofPlatform().name("mesh-side-" + i).start(() -> {
                try {
                    out[side] = load(URI.create("http://127.0.0.1:" + r.port() + "/"), r.host(), config.rate(), config.duration(), config.warmup(), at);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failed[side] = e;
                }
            }));
        }
        for (Thread t : threads) t.join();
        for (RuntimeException e : failed) if (e != null) throw e;
        for (LoadResult r : out) if (r == null) throw new InterruptedException("a side-by-side pass was interrupted");
        return List.of(out);
    }

    /**
     * Whether to run an open-loop pass again: the load generator spoiled it (it delayed a send
     * itself, or its JVM paused, inside the measured window) and fewer than {@code maxRepeats}
     * repeats were made. Spoiled passes are told apart by the generator's own figures only, never
     * by the latencies they measured: a slow proxy is never repeated away.
     */
    static boolean repeat(LoadResult.Instrument instrument, int repeatsSoFar, int maxRepeats) {
        return instrument.spoiled() && repeatsSoFar < maxRepeats;
    }

    /**
     * Collects this JVM's garbage between passes, so that the next pass starts with an empty young
     * generation: a pass allocates 20-30 MB (its set-up, not its requests), which the launcher's
     * 512 MiB young generation holds many times over, so it runs without a collection (one stops
     * the event loops: 14-180 ms with G1 on the CPU the generator shares with the backend).
     */
    private static void collectGarbage() {
        if (GC_BETWEEN_PASSES) System.gc();
    }

    /** {@code -Dficus.bench.gcBetweenPasses=false} leaves the collections to the JVM, as before (to compare the two). */
    private static final boolean GC_BETWEEN_PASSES = !"false".equals(System.getProperty("ficus.bench.gcBetweenPasses"));

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** CPU ticks of the proxies, of this process and of the backend, and the proxies' run-queue wait, at one moment. */
    private record Usage(long proxyTicks, long clientTicks, long backendTicks, long proxyWaitNanos, long proxyJitTicks) {
        ScenarioRun.Beside beside(Usage later, double tick) {
            return new ScenarioRun.Beside((later.clientTicks - clientTicks) / tick, (later.backendTicks - backendTicks) / tick,
                    (later.proxyWaitNanos - proxyWaitNanos) / 1e9, Math.max(0, later.proxyJitTicks - proxyJitTicks) / tick);
        }
    }

    private Usage usage(RunningScenario running) {
        return new Usage(running.proxies().stream().mapToLong(ManagedProcess::cpuTicks).sum(),
                ProcStats.cpuTicks(ProcessHandle.current().pid()), backend == null ? 0 : backend.cpuTicks(),
                running.proxies().stream().mapToLong(ManagedProcess::runDelayNanos).sum(),
                running.proxies().stream().mapToLong(ManagedProcess::jitTicks).sum());
    }

    private LoadResult load(URI target, String host, double rate, Duration duration, Duration warmup, long startNanos) throws InterruptedException {
        LoadConfig.Builder b = LoadConfig.builder(target).rate(rate).duration(duration).warmup(warmup)
                .connections(config.connections()).threads(config.threads()).timeout(Duration.ofSeconds(10));
        if (!host.equals("127.0.0.1")) b.header("Host", host);
        return new LoadGenerator(b.build()).run(Progress.Listener.NONE, startNanos);
    }
}
