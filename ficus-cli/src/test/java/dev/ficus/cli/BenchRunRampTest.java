package dev.ficus.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.ficus.cli.BenchRunCommandTest.bench;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code ficus bench run --ramp} as a user types it: usage errors, and a knee found on a real server. */
class BenchRunRampTest {

    /**
     * A server with a capacity: one request served at a time (a fair lock is the single worker and
     * its FIFO queue) with a fixed ~2 ms service time, so it serves a little under 500 requests/s.
     * Below that an open loop's requests rarely wait; above it the queue (and the corrected p99)
     * grows for as long as the step lasts. Plain sockets rather than the JDK's HttpServer, which
     * writes headers and body apart without TCP_NODELAY, so Nagle and delayed ACKs add 40 ms to
     * some responses whatever the load.
     */
    static final class SlowServer implements AutoCloseable {
        static final Duration SERVICE_TIME = Duration.ofMillis(2);
        private static final byte[] RESPONSE =
                "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
        private final ServerSocket listener;
        private final ReentrantLock worker = new ReentrantLock(true);
        private final ExecutorService connections = Executors.newCachedThreadPool();

        SlowServer() throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            connections.execute(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket s = listener.accept();
                        connections.execute(() -> serve(s));
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            });
        }

        /** Reads request heads (no bodies: the ramp sends GET) and answers each on the one worker. */
        private void serve(Socket s) {
            try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
                s.setTcpNoDelay(true);
                int matched = 0; // bytes of "\r\n\r\n" seen in a row
                for (int b; (b = in.read()) != -1; ) {
                    matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : b == '\r' ? 1 : 0;
                    if (matched < 4) continue;
                    matched = 0;
                    worker.lock();
                    try {
                        Thread.sleep(SERVICE_TIME); // the backend's work, not a wait for the test
                        out.write(RESPONSE);
                    } finally {
                        worker.unlock();
                    }
                }
            } catch (IOException e) {
                // the client went away, or the server is closing
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        String url() {
            return "http://127.0.0.1:" + listener.getLocalPort() + "/";
        }

        @Override
        public void close() throws IOException {
            listener.close();
            connections.shutdownNow();
        }
    }

    @Test
    void theRampFindsTheKneeOfAServerWithAFixedCapacity(@TempDir Path dir) throws Exception {
        try (SlowServer server = new SlowServer()) {
            Path smp = dir.resolve("knee.json");
            // 50 ms, not 10: on a shared 2-core machine a step well below capacity saw a 32 ms p99;
            // above capacity the queue adds ~2 ms per request behind, hundreds of ms within 2 s.
            // A 1 s warm-up per step: at 100/s one slow request is the p99, and the first step
            // runs in a cold JVM.
            BenchRunCommandTest.Run r = bench("--url", server.url(), "--ramp", "100:100:1000", "--step-duration", "1s",
                    "--warmup", "1s", "--slo-p99", "50ms", "--connections", "4", "--smp", smp.toString());

            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).startsWith("ramp      GET " + server.url())
                    .contains("open-loop steps 100:100:1000 req/s, 1s each after 1s warm-up, SLO p99 <= 50ms")
                    .contains("step   asked/s  achieved/s         p50         p99   errors  SLO");
            List<String> stepLines = r.out().lines().filter(l -> l.matches("\\s*\\d+ .*")).toList();
            assertThat(stepLines).as(r.out()).hasSizeGreaterThanOrEqualTo(2);
            assertThat(stepLines.getFirst()).matches("\\s+1\\s+100\\s+\\d+\\.\\d .* ms .* ms\\s+0  ok");
            assertThat(stepLines.getLast()).contains("broken (");
            assertThat(stepLines.subList(0, stepLines.size() - 1)).allSatisfy(l -> assertThat(l).endsWith("  ok"));

            Matcher m = Pattern.compile("knee: the highest rate whose p99 met 50ms: (\\d+) req/s \\(next step (\\d+): p99 ([0-9.]+) ms")
                    .matcher(r.out());
            assertThat(m.find()).as(r.out()).isTrue();
            int knee = Integer.parseInt(m.group(1));
            // Capacity is 1 / (2 ms + overhead): a little under 500/s (one run: 400 ok, 500 achieved
            // 347/s with p99 363 ms). Evenly spaced arrivals below capacity rarely queue, so 400
            // normally passes; a busy machine may cost it a step or two.
            assertThat(knee).as(r.out()).isBetween(200, 400);
            assertThat(Integer.parseInt(m.group(2))).isEqualTo(knee + 100);
            assertThat(stepLines).hasSize(knee / 100 + 1); // stopped at the first broken step
            // The knee step's result is what the SMP file holds.
            assertThat(Files.readString(smp)).contains("\"ramp\":\"100:100:1000\"").contains("\"slo_p99\":\"50ms\"");
        }
    }

    @Test
    void whenTheSloHoldsTheSummarySaysSo() throws Exception {
        try (SlowServer server = new SlowServer()) {
            BenchRunCommandTest.Run r = bench("--url", server.url(), "--ramp", "20:20:40", "--step-duration", "500ms",
                    "--warmup", "100ms", "--slo-p99", "1s");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("knee: above the ramp; the SLO held up to 40 req/s (p99 ");
        }
    }

    @Test
    void whenTheFirstStepBreaksTheSummarySaysSoAndNoKneeFileIsWritten(@TempDir Path dir) throws Exception {
        try (SlowServer server = new SlowServer()) {
            Path smp = dir.resolve("knee.json");
            // No p99 is at most 1 µs: the service time alone is 2 ms.
            BenchRunCommandTest.Run r = bench("--url", server.url(), "--ramp", "20:20:40", "--step-duration", "500ms",
                    "--warmup", "100ms", "--slo-p99", "1us", "--smp", smp.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("broken (p99 above 1us)")
                    .contains("knee: below the ramp; the SLO broke at the first step, 20 req/s (p99 ");
            assertThat(r.err()).contains("no knee step to write to --smp");
            assertThat(smp).doesNotExist();
        }
    }

    @Test
    void noResponseAtAllExitsOne() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BenchRunCommandTest.Run r = bench("--url", "http://127.0.0.1:" + port + "/", "--ramp", "10:10:20",
                "--step-duration", "300ms", "--warmup", "0s", "--slo-p99", "10ms");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("broken (achieved 0% of the asked rate").contains("the SLO broke at the first step");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--ramp 100:100|--ramp: expected START:STEP:MAX in requests/s, e.g. 100:100:2000, got '100:100'",
            "--ramp 500:100:100|--ramp: START (500) is above MAX (100)",
            "--ramp 100:0:500|--ramp: STEP must be more than 0 requests/s, got 0.0",
            "--ramp 100:-1:500|--ramp: STEP must be more than 0 requests/s, got -1.0",
            "--ramp 100:100:500 --rate 200|--ramp and --rate do not combine: the ramp sets each step's rate",
            "--ramp 100:100:500 --duration 5s|--ramp and --duration do not combine: each step lasts --step-duration",
            "--ramp 100:100:500 --slo-p99 0|--slo-p99: must be more than 0, got 0",
            "--ramp 100:100:500 --step-duration 5|--step-duration: invalid duration '5': missing unit after 5 (use a number and a unit: ns, us, ms, s, m, h; e.g. 1.5s, 100ms, 1h30m)",
            "--ramp 100:100:500 --slo-p99 10ms --step-duration 0|--step-duration: must be more than 0 and at most 24h, got 0",
            "--slo-p99 10ms --rate 10|--slo-p99 only applies with --ramp",
    })
    void aBadRampGivesOneLineAndExitTwo(String args, String message) {
        List<String> all = new ArrayList<>(List.of("--url", "http://127.0.0.1:9/"));
        all.addAll(List.of(args.split(" ")));
        if (all.contains("--ramp") && !all.contains("--slo-p99")) all.addAll(List.of("--slo-p99", "10ms"));
        BenchRunCommandTest.Run r = bench(all.toArray(String[]::new));
        assertThat(r.exit()).as(r.out()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("ficus bench run: " + message + System.lineSeparator());
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aRampNeedsAnSlo() {
        BenchRunCommandTest.Run r = bench("--url", "http://127.0.0.1:9/", "--ramp", "100:100:500");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("ficus bench run: --ramp needs --slo-p99, e.g. --slo-p99 10ms" + System.lineSeparator());
    }
}
