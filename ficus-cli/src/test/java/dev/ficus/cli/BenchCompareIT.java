package dev.ficus.cli;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.ficus.cli.FicusCommandIT.ficus;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ficus bench compare} as a pipeline uses it: two real {@code ficus bench run} results
 * against a backend, the second after a regression was introduced (the backend answers 30 ms
 * later); compare fails on the median with the explanation, and passes on a result compared with itself.
 */
class BenchCompareIT {
    HttpServer backend;

    @AfterEach
    void stop() {
        if (backend != null) backend.stop(0);
    }

    @Test
    void anIntroducedLatencyRegressionFailsTheComparison(@TempDir Path dir) throws Exception {
        AtomicInteger delayMs = new AtomicInteger();
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        backend.setExecutor(Executors.newFixedThreadPool(8));
        backend.createContext("/", x -> {
            try {
                if (delayMs.get() > 0) Thread.sleep(delayMs.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] b = "ok".getBytes();
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        backend.start();
        String url = "http://127.0.0.1:" + backend.getAddress().getPort() + "/";
        Path before = dir.resolve("before.json"), after = dir.resolve("after.json");
        var b = ficus("bench", "run", "--url", url, "--rate", "50", "--duration", "2s", "--warmup", "2s", "--connections", "4", "--fortio", before.toString());
        assertThat(b.exit()).as(b.err()).isZero();
        delayMs.set(30);
        var a = ficus("bench", "run", "--url", url, "--rate", "50", "--duration", "2s", "--warmup", "2s", "--connections", "4", "--fortio", after.toString());
        assertThat(a.exit()).as(a.err()).isZero();

        // the median carries a constant 30 ms for sure; a busy CI machine can move the p99 of 100 requests by as much
        var regressed = ficus("bench", "compare", before.toString(), after.toString(), "--max-p50-regression", "10%", "--max-p99-regression", "off",
                "--noise-floor", "10ms");
        assertThat(regressed.exit()).as(regressed.out() + regressed.err()).isEqualTo(1);
        assertThat(regressed.out()).contains("1 regression").containsPattern("run: p50 [0-9.]+ → [0-9.]+ µs is [0-9.]+% higher, more than the 10.00% allowed");

        var same = ficus("bench", "compare", before.toString(), before.toString());
        assertThat(same.exit()).as(same.out()).isZero();
        assertThat(same.out()).contains("no regression");

        Files.writeString(dir.resolve("bad.json"), "{}");
        var bad = ficus("bench", "compare", before.toString(), dir.resolve("bad.json").toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("bad.json: neither");
    }
}
