package dev.ficus.bench.load;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The closed-loop h2c rate of the load generator against the one h2load (nghttp2's load tool)
 * measures on the same h2c server on loopback (the test's Netty frame-codec server, one event
 * loop): both one thread, 4 connections x 16 streams, alternating rounds, best round of each (see
 * {@link WrkComparisonIT} for why the best). The server runs in this JVM and takes a core of its
 * own, so the margin is broad: the two must agree within a factor of two. A benchmark, not a
 * check for a shared machine: it runs only with {@code -Dficus.bench=true}, and is skipped with
 * the reason where h2load is not installed ({@code apt-get install -y nghttp2-client}).
 */
class H2loadComparisonIT {
    static final int ROUNDS = 3;
    static final int CONNECTIONS = 4;
    static final int STREAMS = 16;
    static final Duration RUN = Duration.ofSeconds(3);

    static ProtocolServers.H2c server;

    @BeforeAll
    static void start() throws Exception {
        if (!Boolean.getBoolean("ficus.bench")) return; // the test says why it is skipped
        server = new ProtocolServers.H2c(0, 0);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    static double h2loadRate() throws IOException, InterruptedException {
        Optional<java.nio.file.Path> h2load = WrkComparisonIT.find("h2load");
        Process p = new ProcessBuilder(h2load.orElseThrow().toString(), "-t1", "-c" + CONNECTIONS, "-m" + STREAMS,
                "-D" + RUN.toSeconds(), "--warm-up-time=1", server.uri("/").toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(RUN.toSeconds() + 20, TimeUnit.SECONDS)).as("h2load finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("finished in [^,]+, ([0-9.]+) req/s").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        Matcher failed = Pattern.compile("requests: .* (\\d+) failed").matcher(out);
        assertThat(failed.find() && failed.group(1).equals("0")).as(out).isTrue();
        return Double.parseDouble(m.group(1));
    }

    static double ficusRate() throws InterruptedException {
        LoadResult r = new LoadGenerator(LoadConfig.builder(server.uri("/")).protocol(Protocol.H2C).streams(STREAMS)
                .maxRate().connections(CONNECTIONS).threads(1).duration(RUN).warmup(Duration.ofSeconds(1)).build())
                .run(Progress.Listener.NONE);
        assertThat(r.errorCount()).as("errors %s, status codes %s", r.errors(), r.statusCodes()).isZero();
        return r.achievedRate();
    }

    @Test
    void closedLoopH2cRateAgreesWithH2loadWithinAFactorOfTwo() throws Exception {
        assumeTrue(Boolean.getBoolean("ficus.bench"), "a benchmark: run it with -Dficus.bench=true on a quiet machine");
        assumeTrue(WrkComparisonIT.find("h2load").isPresent(), "h2load is needed (apt-get install -y nghttp2-client); skipped");
        List<Double> h2load = new ArrayList<>();
        List<Double> ficus = new ArrayList<>();
        ficusRate(); // JIT warm-up of the generator and the server, not counted
        for (int i = 0; i < ROUNDS; i++) {
            h2load.add(h2loadRate());
            ficus.add(ficusRate());
        }
        double h = h2load.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double f = ficus.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        System.out.printf("h2load %s -> best %.0f/s; ficus %s -> best %.0f/s; ratio %.3f%n", h2load, h, ficus, f, f / h);
        assertThat(f / h).as("ficus/h2load closed-loop h2c rate (h2load %s, ficus %s)", h2load, ficus).isBetween(0.5, 2.0);
    }
}
