package dev.ficus.bench.load;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The closed-loop rate of the load generator against the one wrk measures, on the same nginx
 * (one worker, 1 KiB body, as /work/shared/peers/backend.sh sets it up) on loopback: both are one
 * thread with 32 connections, runs alternate (wrk, ficus, wrk, ficus ...) so that drift on a
 * shared machine hits both, and the best rounds must agree within 10%. The best round, not the
 * median, is a closed loop's capacity: noise from other processes on a two-core machine only ever
 * lowers a round (one CI run saw medians 0.87 apart while the best rounds were 0.97 apart, because
 * two of the generator's three rounds met a busy neighbour). It is a benchmark, not a check that
 * can hold on a shared machine (another run saw the generator 17% ahead of wrk under load average
 * 10), so it runs only when asked: {@code -Dficus.bench=true}. Skipped, with the reason,
 * where wrk or nginx is not installed ({@code apt-get install -y wrk nginx}).
 */
class WrkComparisonIT {
    static final int ROUNDS = 4;
    static final Duration RUN = Duration.ofSeconds(3);

    @TempDir
    static Path dir;
    static long nginxPid = -1;
    static int port;

    static Optional<Path> find(String tool) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, tool)).filter(Files::isExecutable).findFirst();
    }

    @BeforeAll
    static void startNginx() throws Exception {
        if (!Boolean.getBoolean("ficus.bench")) return; // the test says why it is skipped
        Optional<Path> wrk = find("wrk");
        Optional<Path> nginx = find("nginx");
        assumeTrue(wrk.isPresent() && nginx.isPresent(),
                "wrk and nginx are needed for this comparison (apt-get install -y wrk nginx); skipped");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("body"), "x".repeat(1024));
        // nginx's worker runs as an unprivileged user: it must be able to read the body.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("body"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(dir.resolve("nginx.conf"), """
                worker_processes 1;
                daemon on;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  server { listen 127.0.0.1:%2$d; keepalive_requests 10000000; root %1$s;
                    location / { try_files /body =404; default_type text/plain; } }
                }
                """.formatted(dir, port));
        Process p = new ProcessBuilder(nginx.get().toString(), "-e", dir.resolve("error.log").toString(),
                "-c", dir.resolve("nginx.conf").toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("nginx started").isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        Path pidFile = dir.resolve("nginx.pid");
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
        nginxPid = Long.parseLong(Files.readString(pidFile).trim());
    }

    @AfterAll
    static void stopNginx() {
        if (nginxPid > 0) {
            ProcessHandle.of(nginxPid).ifPresent(h -> {
                h.destroy(); // SIGTERM to the master we started; it stops its worker
                h.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(t -> null).join();
            });
        }
    }

    static double wrkRate() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(find("wrk").orElseThrow().toString(), "-t1", "-c32", "-d" + RUN.toSeconds() + "s",
                "http://127.0.0.1:" + port + "/").redirectErrorStream(true).start();
        assertThat(p.waitFor(RUN.toSeconds() + 20, TimeUnit.SECONDS)).as("wrk finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Double.parseDouble(m.group(1));
    }

    static double ficusRate() throws InterruptedException {
        LoadResult r = new LoadGenerator(LoadConfig.builder(URI.create("http://127.0.0.1:" + port + "/"))
                .maxRate().connections(32).threads(1).duration(RUN).warmup(Duration.ofSeconds(1)).build())
                .run(Progress.Listener.NONE);
        assertThat(r.errorCount()).as("errors %s, status codes %s", r.errors(), r.statusCodes()).isZero();
        return r.achievedRate();
    }

    static double best(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    @Test
    void closedLoopRateAgreesWithWrkWithinTenPercent() throws Exception {
        assumeTrue(Boolean.getBoolean("ficus.bench"), "a benchmark: run it with -Dficus.bench=true on a quiet machine");
        List<Double> wrk = new ArrayList<>();
        List<Double> ficus = new ArrayList<>();
        ficusRate(); // JIT warm-up of the generator itself, not counted
        for (int i = 0; i < ROUNDS; i++) {
            wrk.add(wrkRate());
            ficus.add(ficusRate());
        }
        double w = best(wrk);
        double f = best(ficus);
        System.out.printf("wrk %s -> best %.0f/s; ficus %s -> best %.0f/s; ratio %.3f%n", wrk, w, ficus, f, f / w);
        assertThat(f / w).as("ficus/wrk closed-loop rate (wrk %s, ficus %s)", wrk, ficus).isBetween(0.9, 1.1);
    }
}
