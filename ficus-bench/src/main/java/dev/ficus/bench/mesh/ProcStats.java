package dev.ficus.bench.mesh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * CPU time and resident memory of a process from Linux's {@code /proc}: utime+stime in clock
 * ticks from {@code /proc/PID/stat}, VmRSS from {@code /proc/PID/status}. Elsewhere every value is
 * 0 (and the report says CPU and RSS were not measured).
 */
final class ProcStats {
    /** Clock ticks per second and whether the value was assumed (no {@code getconf}). */
    record ClockTicks(long perSecond, boolean assumed) {
    }

    private static volatile ClockTicks ticks;

    private ProcStats() {
    }

    static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

    /** {@code getconf CLK_TCK}, or 100 (Linux's usual value) when it cannot be run. */
    static ClockTicks clockTicks() {
        ClockTicks t = ticks;
        if (t != null) return t;
        t = new ClockTicks(100, true);
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                long v = Long.parseLong(out);
                if (v > 0) t = new ClockTicks(v, false);
            } else {
                p.destroyForcibly();
            }
        } catch (IOException | NumberFormatException e) {
            // assume 100
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ticks = t;
        return t;
    }

    /** utime + stime of one process in clock ticks; 0 when it is gone or /proc is missing. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // the command name (field 2) may hold spaces and parentheses: count fields after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * Nanoseconds the threads of one process spent runnable but waiting for a CPU (the second
     * field of each {@code /proc/PID/task/TID/schedstat}), summed over its live threads: how much
     * other programs on its CPU held it back. 0 when it is gone or the kernel keeps no schedstats.
     */
    static long runDelayNanos(long pid) {
        long sum = 0;
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String[] f = Files.readString(t.resolve("schedstat"), StandardCharsets.US_ASCII).trim().split(" ");
                    sum += Long.parseLong(f[1]);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return sum;
    }

    /**
     * utime + stime in clock ticks of the threads of one process whose name starts with
     * {@code C1 Compi} or {@code C2 Compi}: HotSpot's JIT compilers. Still large after priming, the
     * process's code was not yet compiled, and its CPU per request is not its steady state. Threads
     * that ended are not counted (HotSpot stops idle compiler threads), so it is a lower bound.
     */
    static long jitTicks(long pid) {
        long sum = 0;
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII);
                    int open = stat.indexOf('('), close = stat.lastIndexOf(')');
                    String name = stat.substring(open + 1, close);
                    if (!name.startsWith("C1 Compi") && !name.startsWith("C2 Compi")) continue;
                    String[] f = stat.substring(close + 2).split(" ");
                    sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return sum;
    }

    /** VmRSS of one process in KiB; 0 when it is gone or /proc is missing. */
    static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    /** The first line of /proc/loadavg, or "" elsewhere. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
