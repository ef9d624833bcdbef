package dev.ficus.cli;

import dev.ficus.testing.FakeUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A proxy started before its control plane says it is ready only once its mesh certificate is in
 * hand: its first call to a STRICT peer succeeds, and {@code GET /ready} answers LIVE then, not
 * before. Certificate requests retry within 5 s while there is none, so the wait after the control
 * plane comes up is short.
 */
class ProxyReadinessIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        cleanup.add(c);
        return c;
    }

    @Test
    void aProxyStartedBeforeItsControlPlaneIsReadyOnlyWithItsCertificate(@TempDir Path dir, @TempDir Path caDir, @TempDir Path state) throws Exception {
        FakeUpstream v1 = keep(FakeUpstream.start("v1"));
        int[] inbound = {UpCommandIT.freePort(), UpCommandIT.freePort(), UpCommandIT.freePort()};
        Files.writeString(dir.resolve("mesh.yaml"), RolloutIT.mesh(inbound, new int[]{v1.port(), v1.port(), v1.port()}) + """
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: shop}
                spec: {mtls: {mode: STRICT}}
                """);
        int sync = UpCommandIT.freePort();
        // the client first: its certificate requests and sync stream fail until the control plane is up
        FicusProcess client = keep(FicusProcess.start("proxy", "--control", "127.0.0.1:" + sync, "--workload", "client", "-n", "shop",
                "--outbound-port", "0", "--admin-port", "0", "--concurrency", "1", "--drain-timeout", "1s"));
        client.await("waiting for the control plane", Duration.ofSeconds(120));
        // long enough for every backoff to grow: the certificate's and sync stream's own (capped at 5 s) and
        // gRPC's channel's (1, 1.6, 2.6, 4.1, 6.6 s ..., which ficus resets at each of its retries)
        await().pollDelay(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(13)).until(() -> client.log().stream().noneMatch(l -> l.contains("ready: ")));

        FicusProcess control = keep(FicusProcess.start("control", "--config", dir.toString(), "--sync-port", Integer.toString(sync), "--http-port", "-1",
                "--ca-dir", caDir.toString(), "--insecure-plaintext-ca", "--state-dir", state.toString()));
        control.await("ready: ", Duration.ofSeconds(120));
        long controlReady = System.nanoTime();
        FicusProcess node = keep(FicusProcess.start("proxy", "--control", "127.0.0.1:" + sync, "--workload", "reviews-v1,reviews-v2,reviews-v3",
                "-n", "shop", "--outbound-port", "-1", "--admin-port", "0", "--concurrency", "1", "--drain-timeout", "1s"));
        node.await("ready: ", Duration.ofSeconds(120));

        int outbound = Integer.parseInt(client.await("ready: .*outbound on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(30)));
        Duration waited = Duration.ofNanos(System.nanoTime() - controlReady);
        int admin = Integer.parseInt(client.await("admin on http://127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(5)));
        List<String> log = List.copyOf(client.log());
        int issued = indexOf(log, "certificate issued for spiffe://cluster.local/ns/shop/sa/client");
        assertThat(issued).as("the certificate before the ready line: " + log).isNotNegative().isLessThan(indexOf(log, "ready: "));
        // a retry within 5 s of the control plane's start, then the sync stream's within 5 s: not a minute of gRPC backoff
        assertThat(waited).as("ready after the control plane was").isLessThan(Duration.ofSeconds(11));

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        // the first call after the ready line, to a STRICT peer: mesh mTLS, not 503 UC for want of a certificate
        try (HttpConnection c = new HttpConnection(outbound)) {
            HttpConnection.Response r = c.get(RolloutIT.REVIEWS + ":9080", "/");
            assertThat(r.status()).as(r.headers() + " " + r.body()).isEqualTo(200);
            assertThat(r.body()).contains("v1");
        }
    }

    private static int indexOf(List<String> log, String text) {
        for (int i = 0; i < log.size(); i++) if (log.get(i).contains(text)) return i;
        return -1;
    }
}
