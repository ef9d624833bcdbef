package dev.ficus.control.parallelrun;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.SyncServer;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The control plane's view of a parallel run: every proxy's {@code /parallel-runs}, merged for one Rollout. */
class ParallelRunReaderTest {
    static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    /** A proxy's answer with one run, as {@code ParallelRuns.json} writes it. */
    static String proxyJson(String rollout, long matched, long mismatched, long noise, long skippedUnsafe, List<String> noisy, int samples, int secondsOffset) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < samples; i++) {
            if (i > 0) s.append(',');
            s.append("{\"at\":\"").append(T0.plusSeconds(secondsOffset + i)).append("\",\"method\":\"GET\",\"path\":\"/p/").append(secondsOffset + i)
                    .append("\",\"stableStatus\":200,\"candidateStatus\":200,\"differences\":[{\"path\":\"$.price\",\"stable\":\"10\",\"candidate\":\"12\"},")
                    .append("{\"path\":\"$.gone\",\"stable\":\"1\",\"candidate\":null}]}");
        }
        long compared = matched + mismatched + noise;
        return "{\"runs\":[{\"rollout\":\"other/run\",\"compared\":99,\"matched\":99,\"mismatched\":0,\"noise\":0,\"skipped\":0,\"skippedBy\":{},"
                + "\"mismatchPercent\":0.0,\"noisyPaths\":[\"$.x\"],\"samples\":[]},"
                + "{\"rollout\":\"" + rollout + "\",\"compared\":" + compared + ",\"matched\":" + matched + ",\"mismatched\":" + mismatched
                + ",\"noise\":" + noise + ",\"skipped\":" + skippedUnsafe + ",\"skippedBy\":{\"unsafeMethod\":" + skippedUnsafe + ",\"timeout\":0},"
                + "\"mismatchPercent\":1.0,\"noisyPaths\":[" + String.join(",", noisy.stream().map(p -> "\"" + p + "\"").toList()) + "],"
                + "\"samples\":[" + s + "]}]}";
    }

    @Test
    void answersOfEveryProxyAreSummedAndTheFailuresListed() throws Exception {
        List<ParallelRunReader.ProxyAdmin> proxies = List.of(
                new ParallelRunReader.ProxyAdmin("a", "10.0.0.1", 15000),
                new ParallelRunReader.ProxyAdmin("b", "10.0.0.2", 15000),
                new ParallelRunReader.ProxyAdmin("c", "10.0.0.3", 15000),
                new ParallelRunReader.ProxyAdmin("d", "10.0.0.4", 15000),
                new ParallelRunReader.ProxyAdmin("e", "10.0.0.5", 15000));
        ParallelRunReader.Fetcher fetcher = (host, port, path) -> {
            assertThat(path).isEqualTo("/parallel-runs");
            return switch (host) {
                case "10.0.0.1" -> CompletableFuture.completedFuture(proxyJson("shop/reviews-v2", 50, 10, 40, 3, List.of("$.requestId", "$.ts"), 15, 0));
                case "10.0.0.2" -> CompletableFuture.completedFuture(proxyJson("shop/reviews-v2", 30, 0, 70, 2, List.of("$.requestId", "$.items[*].id"), 15, 100));
                case "10.0.0.3" -> CompletableFuture.completedFuture("{\"runs\":[]}"); // serves no route of the run
                case "10.0.0.4" -> CompletableFuture.failedFuture(new ConnectException("refused"));
                default -> CompletableFuture.completedFuture("not json");
            };
        };
        try (ParallelRunReader reader = ParallelRunReader.withFetcher(() -> proxies, fetcher, Duration.ofSeconds(5))) {
            ParallelRunReport r = reader.report("shop", "reviews-v2").get(10, TimeUnit.SECONDS);
            assertThat(r.rollout()).isEqualTo("shop/reviews-v2");
            assertThat(r.proxies()).isEqualTo(3);
            assertThat(r.reporting()).isEqualTo(2);
            assertThat(r.compared()).isEqualTo(200);
            assertThat(r.matched()).isEqualTo(80);
            assertThat(r.mismatched()).isEqualTo(10);
            assertThat(r.noise()).isEqualTo(110);
            assertThat(r.skipped()).isEqualTo(5);
            assertThat(r.skippedBy()).containsEntry("unsafeMethod", 5L).containsEntry("timeout", 0L);
            assertThat(r.mismatchPercent()).isEqualTo(5.0);
            assertThat(r.noisyPaths()).containsExactly("$.items[*].id", "$.requestId", "$.ts");
            assertThat(r.samples()).hasSize(ParallelRunReport.MAX_SAMPLES);
            assertThat(r.samples().getFirst().proxy()).isEqualTo("b");
            assertThat(r.samples().getFirst().at()).isEqualTo(T0.plusSeconds(114));
            assertThat(r.samples()).isSortedAccordingTo((x, y) -> y.at().compareTo(x.at()));
            assertThat(r.samples().getFirst().differences()).containsExactly(new ParallelRunReport.Difference("$.price", "10", "12"),
                    new ParallelRunReport.Difference("$.gone", "1", null));
            assertThat(r.errors()).extracting(ParallelRunReport.ProxyError::proxy).containsExactly("d", "e");
            assertThat(r.errors().getFirst().error()).contains("cannot connect to 10.0.0.4:15000");
            assertThat(r.errors().get(1).error()).startsWith("malformed /parallel-runs from 10.0.0.5:15000");
            assertThat(r.verdict(5.0, 100)).isEqualTo(ParallelRunReport.Verdict.PASSING);
            assertThat(r.verdict(4.0, 100)).isEqualTo(ParallelRunReport.Verdict.FAILING);
            assertThat(r.verdict(5.0, 201)).isEqualTo(ParallelRunReport.Verdict.INCONCLUSIVE);

            JsonObject json = JsonParser.parseString(r.toJson()).getAsJsonObject();
            assertThat(json.get("rollout").getAsString()).isEqualTo("shop/reviews-v2");
            assertThat(json.get("compared").getAsLong()).isEqualTo(200);
            assertThat(json.get("mismatchPercent").getAsDouble()).isEqualTo(5.0);
            assertThat(json.getAsJsonArray("samples")).hasSize(20);
            assertThat(json.getAsJsonArray("samples").get(0).getAsJsonObject().getAsJsonArray("differences").get(1).getAsJsonObject().get("candidate").isJsonNull()).isTrue();
            assertThat(json.getAsJsonArray("errors")).hasSize(2);
            assertThat(json.getAsJsonObject("skippedBy").get("unsafeMethod").getAsLong()).isEqualTo(5);
        }
    }

    @Test
    void aRunNoProxyKnowsIsAnEmptyReportAndASilentProxyIsCutOff() throws Exception {
        List<ParallelRunReader.ProxyAdmin> proxies = new ArrayList<>();
        for (int i = 0; i < 20; i++) proxies.add(new ParallelRunReader.ProxyAdmin("p" + i, "10.0.1." + i, 15000));
        ParallelRunReader.Fetcher fetcher = (host, port, path) -> host.equals("10.0.1.7") ? new CompletableFuture<>() // never answers
                : CompletableFuture.completedFuture("{\"runs\":[]}");
        try (ParallelRunReader reader = ParallelRunReader.withFetcher(() -> proxies, fetcher, Duration.ofMillis(200))) {
            ParallelRunReport r = reader.report("shop", "nothing").get(10, TimeUnit.SECONDS);
            assertThat(r.proxies()).isEqualTo(19);
            assertThat(r.reporting()).isZero();
            assertThat(r.compared()).isZero();
            assertThat(r.mismatchPercent()).isZero();
            assertThat(r.verdict(1, 1)).isEqualTo(ParallelRunReport.Verdict.INCONCLUSIVE);
            assertThat(r.errors()).singleElement().satisfies(e -> {
                assertThat(e.proxy()).isEqualTo("p7");
                assertThat(e.error()).isEqualTo("no answer from 10.0.1.7:15000 within 200ms");
            });
        }
        try (ParallelRunReader none = ParallelRunReader.withFetcher(List::of, fetcher, Duration.ofSeconds(1))) {
            assertThat(none.report("shop", "x").get(10, TimeUnit.SECONDS).proxies()).isZero();
        }
    }

    @Test
    void proxiesAreReadOverHttpFromTheAddressTheirStreamComesFrom() throws Exception {
        HttpServer admin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        admin.createContext("/parallel-runs", ex -> {
            byte[] b = proxyJson("shop/r", 1, 1, 0, 0, List.of(), 1, 0).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("content-type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        admin.start();
        try {
            int port = admin.getAddress().getPort();
            List<SyncServer.ProxyStatus> connected = List.of(
                    status("one", "127.0.0.1:40001", port),
                    status("one-again", "127.0.0.1:40002", port), // a second stream of the same proxy process
                    status("no-admin", "127.0.0.1:40003", null),
                    status("v6", "[::1]:40004", 15000));
            List<ParallelRunReader.ProxyAdmin> admins = ParallelRunReader.admins(connected);
            assertThat(admins).containsExactly(new ParallelRunReader.ProxyAdmin("one", "127.0.0.1", port), new ParallelRunReader.ProxyAdmin("v6", "::1", 15000));
            try (ParallelRunReader reader = ParallelRunReader.start(() -> admins.subList(0, 1))) {
                ParallelRunReport r = reader.report("shop", "r").get(10, TimeUnit.SECONDS);
                assertThat(r.errors()).isEmpty();
                assertThat(r.compared()).isEqualTo(2);
                assertThat(r.mismatchPercent()).isEqualTo(50.0);
                assertThat(r.samples()).singleElement().extracting(ParallelRunReport.Sample::path).isEqualTo("/p/0");
            }
        } finally {
            admin.stop(0);
        }
    }

    static SyncServer.ProxyStatus status(String id, String peer, Integer adminPort) {
        Node n = new Node(id, List.of(), "shop", Map.of(), "test", null, adminPort);
        return new SyncServer.ProxyStatus(id, n, peer, Instant.now(), null, null, 0, 0, 0, null, null, null);
    }
}
