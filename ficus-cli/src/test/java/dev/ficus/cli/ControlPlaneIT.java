package dev.ficus.cli;

import dev.ficus.testing.FakeUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./ficus control} and {@code ./ficus proxy --control} as processes: a VirtualService edit
 * reaches the proxy within a second, a SIGKILLed control plane costs no request, a restarted one
 * resyncs the proxy, and {@code ficus status} shows it all.
 */
class ControlPlaneIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        cleanup.add(c);
        return c;
    }

    static String config(FakeUpstream v1, FakeUpstream v2, int v1Weight) {
        return ProxyCommandIT.shop(v1, v2, v1Weight) + """
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: frontend, namespace: shop}
                spec: {address: 127.0.0.1, labels: {app: frontend}, serviceAccount: frontend}
                """;
    }

    @TempDir
    Path caDir;

    FicusProcess control(Path dir, int syncPort) throws Exception {
        FicusProcess c = keep(FicusProcess.start("control", "--config", dir.toString(), "--sync-port", Integer.toString(syncPort), "--http-port", "0",
                "--ca-dir", caDir.toString(), "--insecure-plaintext-ca", "--sync-tls-port", "-1"));
        c.await("ready: .*sync on", Duration.ofSeconds(120));
        return c;
    }

    @Test
    void editsArriveWithinASecondAndAKilledControlPlaneCostsNothing(@TempDir Path dir) throws Exception {
        FakeUpstream v1 = keep(FakeUpstream.start("v1"));
        FakeUpstream v2 = keep(FakeUpstream.start("v2"));
        Path file = dir.resolve("shop.yaml");
        Files.writeString(file, config(v1, v2, 100));

        FicusProcess control = control(dir, 0);
        int sync = Integer.parseInt(control.await("sync on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(5)));
        int http = Integer.parseInt(control.await("http://127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(5)));
        FicusProcess proxy = keep(FicusProcess.start("proxy", "--control", "127.0.0.1:" + sync, "--workload", "frontend",
                "--namespace", "shop", "--admin-port", "0", "--outbound-port", "0", "--concurrency", "1"));
        int outbound = Integer.parseInt(proxy.await("ready: .*outbound on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        control.await("proxy .*frontend.* connected", Duration.ofSeconds(5));
        proxy.await("certificate issued for spiffe://cluster.local/ns/shop/sa/frontend", Duration.ofSeconds(10));

        try (HttpConnection c = new HttpConnection(outbound)) {
            assertThat(c.get("reviews:9080", "/").body()).isEqualTo("v1");

            // an edit reaches the proxy within a second
            Files.writeString(file, config(v1, v2, 0));
            long changed = System.nanoTime();
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> c.get("reviews:9080", "/").body().equals("v2"));
            assertThat(Duration.ofNanos(System.nanoTime() - changed)).isLessThan(Duration.ofSeconds(1));
        }

        // status: one proxy, on the latest version, no NACK
        StringBuilder statusOut = new StringBuilder();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            statusOut.setLength(0);
            return status(http, statusOut) == 0 && statusOut.toString().contains("shop/frontend");
        });
        assertThat(statusOut.toString()).contains("1 proxies; 0 with a refused push");

        // SIGKILL the control plane under continuous traffic: not one request fails
        AtomicInteger ok = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread traffic = Thread.ofPlatform().start(() -> {
            try (HttpConnection c = new HttpConnection(outbound)) {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (System.nanoTime() < end && failure.get() == null) {
                    HttpConnection.Response r = c.get("reviews:9080", "/");
                    if (r.status() != 200 || !r.body().equals("v2")) failure.set(r.status() + " " + r.body());
                    else ok.incrementAndGet();
                }
            } catch (Exception e) {
                failure.set(e.toString());
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() > 50);
        control.process().destroyForcibly(); // SIGKILL
        assertThat(control.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        traffic.join(Duration.ofSeconds(20));
        assertThat(failure.get()).as("a request failed while the control plane was down").isNull();
        assertThat(ok.get()).isGreaterThan(100);
        proxy.await("lost the control plane", Duration.ofSeconds(5));

        // an edit made while it was down reaches the proxy once it is back
        Files.writeString(file, config(v1, v2, 100));
        FicusProcess again = control(dir, sync);
        again.await("proxy .*frontend.* connected", Duration.ofSeconds(15));
        try (HttpConnection c = new HttpConnection(outbound)) {
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> c.get("reviews:9080", "/").body().equals("v1"));
        }
        assertThat(proxy.process().isAlive()).isTrue();
    }

    @Test
    void aProxyThatCannotApplyAPushNacksItAndKeepsServing(@TempDir Path dir) throws Exception {
        FakeUpstream v1 = keep(FakeUpstream.start("v1"));
        FakeUpstream v2 = keep(FakeUpstream.start("v2"));
        Path file = dir.resolve("shop.yaml");
        Files.writeString(file, config(v1, v2, 100));
        FicusProcess control = control(dir, 0);
        int sync = Integer.parseInt(control.await("sync on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(5)));
        int http = Integer.parseInt(control.await("http://127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(5)));
        FicusProcess proxy = keep(FicusProcess.start("proxy", "--control", "127.0.0.1:" + sync, "--workload", "frontend",
                "--namespace", "shop", "--admin-port", "0", "--outbound-port", "0", "--concurrency", "1"));
        int outbound = Integer.parseInt(proxy.await("ready: .*outbound on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));

        // a Sidecar asks this proxy to listen on a port another process holds: the push cannot apply
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Files.writeString(file, config(v1, v2, 0) + """
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Sidecar
                    metadata: {name: frontend, namespace: shop}
                    spec:
                      workloadSelector: {labels: {app: frontend}}
                      ingress: [{port: {number: %d, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:%d"}]
                    """.formatted(taken.getLocalPort(), v1.port()).replace("ingress: [{port:", "ingress: [{bind: 127.0.0.1, port:"));
            proxy.await("refused: .*(in use|bind)", Duration.ofSeconds(10));
            StringBuilder out = new StringBuilder();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                out.setLength(0);
                return status(http, out) == 1;
            });
            assertThat(out.toString()).contains("1 with a refused push");
            try (HttpConnection c = new HttpConnection(outbound)) {
                assertThat(c.get("reviews:9080", "/").body()).as("the old config keeps serving").isEqualTo("v1");
            }
        }
    }

    private static int status(int httpPort, StringBuilder into) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintWriter w = new PrintWriter(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        int code = Main.run(new String[]{"status", "--control", "127.0.0.1:" + httpPort}, w, w);
        w.flush();
        into.append(bytes.toString(StandardCharsets.UTF_8));
        return code;
    }
}
