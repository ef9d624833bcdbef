package dev.ficus.bench.mesh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code --pin}: the proxies on one CPU, everything else (this JVM with the load generator and the
 * OTLP sink, the backend, the control plane) on the others, through {@code taskset}. Then a
 * proxy's throughput at max is the throughput of one CPU that nothing else runs on (apart from
 * the machine's other programs), and the load generator never takes its time slices: two
 * scenarios differ by what their proxies do, not by how the scheduler shared the cores.
 *
 * <p>Made and used by the benchmark's own thread. {@link #NONE} changes nothing.
 */
final class CpuPinning implements AutoCloseable {
    static final CpuPinning NONE = new CpuPinning(null, "", "", null);

    private final Path taskset;
    private final String proxyCpus, otherCpus;
    /** This JVM's affinity before pinning (taskset's hex mask), restored by {@link #close()}. */
    private final String restoreMask;

    private CpuPinning(Path taskset, String proxyCpus, String otherCpus, String restoreMask) {
        this.taskset = taskset;
        this.proxyCpus = proxyCpus;
        this.otherCpus = otherCpus;
        this.restoreMask = restoreMask;
    }

    /**
     * Pins this JVM (every thread) to all allowed CPUs but the last, which is left to the proxies.
     * Fails with a one-line reason without taskset or with fewer than two allowed CPUs.
     */
    static CpuPinning pin() throws IOException, InterruptedException {
        Path taskset = MeshBench.findTool("taskset").orElseThrow(() -> new IOException("--pin needs taskset (util-linux), not found on PATH"));
        long self = ProcessHandle.current().pid();
        List<Integer> cpus = parseList(after(run(taskset.toString(), "-p", "-c", Long.toString(self)), ":"));
        if (cpus.size() < 2) throw new IOException("--pin needs at least two CPUs; this process may use " + cpus);
        String mask = after(run(taskset.toString(), "-p", Long.toString(self)), ":");
        String proxies = Integer.toString(cpus.getLast());
        String others = String.join(",", cpus.subList(0, cpus.size() - 1).stream().map(String::valueOf).toList());
        run(taskset.toString(), "-a", "-p", "-c", others, Long.toString(self));
        return new CpuPinning(taskset, proxies, others, mask);
    }

    boolean pinned() { return taskset != null; }

    /** The CPU list of the proxies, e.g. {@code 1}; empty when not pinned. */
    String proxyCpus() { return proxyCpus; }

    /** The CPU list of everything else, e.g. {@code 0}; empty when not pinned. */
    String otherCpus() { return otherCpus; }

    /** {@code command} run on the proxies' CPU. */
    List<String> proxy(List<String> command) {
        return prefix(proxyCpus, command);
    }

    /** {@code command} run on the other CPUs (backend, control plane). */
    List<String> other(List<String> command) {
        return prefix(otherCpus, command);
    }

    private List<String> prefix(String cpus, List<String> command) {
        if (taskset == null) return command;
        List<String> out = new ArrayList<>(List.of(taskset.toString(), "-c", cpus));
        out.addAll(command);
        return out;
    }

    /** Gives this JVM its former CPUs back; an interrupt while taskset runs is passed on. */
    @Override
    public void close() throws IOException {
        if (taskset == null) return;
        try {
            run(taskset.toString(), "-a", "-p", restoreMask, Long.toString(ProcessHandle.current().pid()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A CPU list as taskset prints and takes it: {@code 0-3,6,8-9}. */
    static List<Integer> parseList(String list) {
        List<Integer> out = new ArrayList<>();
        for (String part : list.trim().split(",")) {
            if (part.isBlank()) continue;
            int dash = part.indexOf('-');
            int from = Integer.parseInt(part.substring(0, dash < 0 ? part.length() : dash).trim());
            int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1).trim());
            for (int c = from; c <= to; c++) out.add(c);
        }
        return out;
    }

    private static String after(String line, String sep) {
        return line.substring(line.lastIndexOf(sep) + 1).trim();
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": no answer within 10 s");
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", command) + " failed: " + out);
        return out;
    }
}
