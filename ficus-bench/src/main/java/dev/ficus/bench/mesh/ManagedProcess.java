package dev.ficus.bench.mesh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A process this benchmark started (a proxy, the backend, a control plane): output to a log file,
 * waited for by a log line, measured through {@code /proc} together with its children (nginx's
 * worker), and stopped by its PID: SIGTERM, then SIGKILL after a grace period.
 */
final class ManagedProcess implements AutoCloseable {
    static final Duration GRACE = Duration.ofSeconds(5);
    /** Every process started and not yet stopped, so that Ctrl-C on the benchmark stops them too. */
    private static final java.util.Set<ManagedProcess> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final String name;
    private final Process process;
    private final Path log;

    private ManagedProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Each process starts in a session of its own ({@code setsid}, util-linux), as a service
     * started by systemd or a container runtime would be: with the kernel's autogroup scheduling
     * (the default on desktop and many server kernels), processes of one session share one CPU
     * share, so a proxy left in the benchmark's session would compete with the load generator for
     * it, while HAProxy or nginx started as daemons would not (docs/performance.md measured the
     * difference: 2.8x HAProxy's added p50 at 1000/s in the benchmark's session, 1.5x in its own).
     * A child of this JVM is not a process-group leader, so setsid runs the command in place: the
     * PID stays the one this class stops.
     */
    private static final Optional<Path> SETSID = MeshBench.findTool("setsid");

    static ManagedProcess start(String name, List<String> command, Path dir) throws IOException {
        Path log = dir.resolve(name + ".log");
        List<String> own = SETSID.map(s -> Stream.concat(Stream.of(s.toString()), command.stream()).toList()).orElse(command);
        Process p = new ProcessBuilder(own).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        p.getOutputStream().close();
        ManagedProcess m = new ManagedProcess(name, p, log);
        LIVE.add(m);
        return m;
    }

    String name() { return name; }

    long pid() { return process.pid(); }

    boolean alive() { return process.isAlive(); }

    /** Waits until the log has a line matching {@code regex}; fails when the process exits first or time runs out. */
    void awaitLine(String regex, Duration atMost) throws IOException, InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            if (logLines().stream().anyMatch(l -> p.matcher(l).find())) return;
            if (!process.isAlive()) {
                throw new IOException(name + " exited with code " + process.exitValue() + " before logging /" + regex + "/; its log:\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(name + " did not log /" + regex + "/ within " + atMost.toSeconds() + " s; its log:\n" + tail());
            }
            Thread.sleep(50);
        }
    }

    List<String> logLines() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    }

    String tail() {
        try {
            List<String> lines = logLines();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** CPU ticks of the process and its descendants (nginx's master and worker). */
    long cpuTicks() {
        return tree().mapToLong(ProcStats::cpuTicks).sum();
    }

    /** Nanoseconds the threads of the process and its descendants waited for a CPU while runnable. */
    long runDelayNanos() {
        return tree().mapToLong(ProcStats::runDelayNanos).sum();
    }

    /** CPU ticks of the JIT compiler threads of the process (a JVM; 0 for others). */
    long jitTicks() {
        return ProcStats.jitTicks(process.pid());
    }

    /** Resident KiB of the process and its descendants. */
    long rssKib() {
        return tree().mapToLong(ProcStats::rssKib).sum();
    }

    /**
     * The PIDs of the process and its descendants now. Finding descendants scans every process
     * of the machine ({@code /proc/N/stat} of each): 2-5 ms of CPU with a hundred processes, so a
     * sampler that runs during a pass, on the load generator's CPU, takes the tree once and reads
     * only these ({@link #rssKib(List)}).
     */
    List<Long> pids() {
        return tree().toList();
    }

    /** Resident KiB of {@code pids} (from {@link #pids()}): one {@code /proc/PID/status} read each. */
    static long rssKib(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) sum += ProcStats.rssKib(pid);
        return sum;
    }

    private Stream<Long> tree() {
        return Stream.concat(Stream.of(process.pid()), process.descendants().map(ProcessHandle::pid));
    }

    /** Stops every process still running (for a shutdown hook: the benchmark was interrupted). */
    static void closeAll() {
        for (ManagedProcess p : List.copyOf(LIVE)) p.close();
    }

    /**
     * SIGTERM; SIGKILL (the process, then any child it left) after {@link #GRACE}. An interrupt
     * while waiting goes straight to SIGKILL and is passed on.
     */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle c : children) {
            if (c.isAlive()) c.destroyForcibly();
        }
        LIVE.remove(this);
    }
}
