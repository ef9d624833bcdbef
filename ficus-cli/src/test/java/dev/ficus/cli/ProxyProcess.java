package dev.ficus.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code ./ficus proxy} process for end-to-end tests: started on a config directory as the
 * {@code frontend} workload of namespace {@code shop}, with the outbound and admin ports on free
 * ports read back from its {@code ready:} log line. Its log is kept for assertions.
 */
final class ProxyProcess implements AutoCloseable {
    record Ports(int outbound, int admin) {
    }

    private static final Pattern READY = Pattern.compile("outbound on 127\\.0\\.0\\.1:(\\d+); admin on http://127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final Ports ports;

    private ProxyProcess(Path config, String... extraArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(FicusCommandIT.ROOT.resolve("ficus").toString(), "proxy",
                "--config", config.toString(), "--labels", "app=frontend", "--namespace", "shop",
                "--admin-port", "0", "--outbound-port", "0", "--concurrency", "1", "--drain-timeout", "10s"));
        cmd.addAll(List.of(extraArgs));
        process = new ProcessBuilder(cmd)
                .directory(FicusCommandIT.ROOT.toFile())
                .redirectErrorStream(true)
                .start();
        CompletableFuture<Ports> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    log.add(line);
                    Matcher m = READY.matcher(line);
                    if (m.find()) ready.complete(new Ports(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
                }
            } catch (IOException e) {
                // the process ended
            }
            ready.completeExceptionally(new AssertionError("proxy exited before ready:\n" + String.join("\n", log)));
        }, "proxy-log");
        reader.setDaemon(true);
        reader.start();
        ports = ready.orTimeout(120, TimeUnit.SECONDS).join();
    }

    /** Starts the proxy and waits (at most two minutes) until it says it is ready. */
    static ProxyProcess start(Path config) throws IOException {
        return new ProxyProcess(config);
    }

    /** Starts the proxy with more options (e.g. {@code --access-log PATH}). */
    static ProxyProcess start(Path config, String... extraArgs) throws IOException {
        return new ProxyProcess(config, extraArgs);
    }

    Process process() {
        return process;
    }

    List<String> log() {
        return log;
    }

    Ports ports() {
        return ports;
    }

    @Override
    public void close() {
        if (!process.isAlive()) return;
        try {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
