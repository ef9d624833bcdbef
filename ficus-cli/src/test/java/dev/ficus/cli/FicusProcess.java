package dev.ficus.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;

/** Any {@code ./ficus} command as a process, with its output kept for assertions. */
final class FicusProcess implements AutoCloseable {
    private final Process process;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    private FicusProcess(List<String> args, java.util.Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(FicusCommandIT.ROOT.resolve("ficus").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(FicusCommandIT.ROOT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        process = pb.start();
        process.getOutputStream().close();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) log.add(line);
            } catch (IOException e) {
                // the process ended
            }
        }, "ficus-log");
        reader.setDaemon(true);
        reader.start();
    }

    static FicusProcess start(String... args) throws IOException {
        return new FicusProcess(List.of(args), java.util.Map.of());
    }

    /** Like {@link #start} with {@code env} added to this process's environment. */
    static FicusProcess startWithEnv(java.util.Map<String, String> env, String... args) throws IOException {
        return new FicusProcess(List.of(args), env);
    }

    /** Runs a {@code ficus} command in this JVM (as {@code Main} does), its output appended to {@code into}; returns its exit code. */
    static int runInProcess(StringBuilder into, String... args) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintWriter w = new java.io.PrintWriter(new java.io.PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        int code = Main.run(args, w, w);
        w.flush();
        into.append(bytes.toString(StandardCharsets.UTF_8));
        return code;
    }

    /** Waits for a log line matching {@code regex}; returns its first group. */
    String await(String regex, Duration atMost) {
        Pattern p = Pattern.compile(regex);
        String[] found = new String[1];
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(20)).failFast("ficus exited: " + this, () -> !process.isAlive() && found[0] == null && !matches(p, found))
                .until(() -> matches(p, found));
        return found[0];
    }

    private boolean matches(Pattern p, String[] found) {
        synchronized (log) {
            for (String l : log) {
                Matcher m = p.matcher(l);
                if (m.find()) {
                    found[0] = m.groupCount() > 0 ? m.group(1) : l;
                    return true;
                }
            }
        }
        return false;
    }

    List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    Process process() { return process; }

    long pid() { return process.pid(); }

    @Override
    public String toString() {
        return String.join("\n", log());
    }

    /** SIGTERM first, so that a command with children ({@code ficus up}) stops them; SIGKILL after 20 s. */
    @Override
    public void close() {
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
