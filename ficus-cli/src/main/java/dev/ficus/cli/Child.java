package dev.ficus.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A process {@code ficus up} started: its output is streamed line by line with the child's name
 * as a prefix, and {@link #stop} ends it the way a service manager does (SIGTERM, a grace period,
 * then SIGKILL) — only this process, by its own PID.
 */
final class Child {
    private final String name;
    private final Process process;
    private final Thread pump;

    private Child(String name, Process process, Thread pump) {
        this.name = name;
        this.process = process;
        this.pump = pump;
    }

    static Child start(String name, List<String> command, Path dir, Map<String, String> env, PrintStream out,
                       Consumer<String> onLine) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String prefix = String.format("%-12s| ", name.length() > 12 ? name.substring(0, 12) : name);
        Thread pump = Thread.ofVirtual().name("ficus-up-" + name).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (out) {
                        out.println(prefix + line);
                    }
                    onLine.accept(line);
                }
            } catch (IOException e) {
                // the child closed its output: it is ending
            }
        });
        return new Child(name, p, pump);
    }

    /**
     * In a process {@code ficus up} started ({@link ProxyCommand#PARENT_PID_ENV} set): runs
     * {@code onGone} once {@code ficus up} has ended, so a SIGKILL of it leaves no orphan serving.
     */
    static void onParentGone(Log log, String what, Runnable onGone) {
        String pid = System.getenv(ProxyCommand.PARENT_PID_ENV);
        if (pid == null) return;
        try {
            ProcessHandle.of(Long.parseLong(pid.trim())).ifPresentOrElse(
                    h -> h.onExit().thenRun(() -> {
                        log.info("the process that started this " + what + " (pid " + pid.trim() + ") is gone; stopping");
                        onGone.run();
                    }),
                    onGone);
        } catch (NumberFormatException e) {
            log.warn(ProxyCommand.PARENT_PID_ENV + " is not a pid: " + pid);
        }
    }

    String name() { return name; }

    long pid() { return process.pid(); }

    boolean alive() { return process.isAlive(); }

    Process process() { return process; }

    /** SIGTERM, then SIGKILL after {@code grace}; returns the exit code. */
    int stop(Duration grace) throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        pump.join(Duration.ofSeconds(2));
        return process.isAlive() ? -1 : process.exitValue();
    }
}
