package dev.ficus.proxy.parallelrun;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.ficus.xds.snapshot.JsonPath;
import dev.ficus.xds.snapshot.RouteParallelRun;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Diffy's noise filter as a parallel run applies it: what differs between stable and secondary,
 * in this answer or an earlier one, is not a mismatch; what is ignored is never compared.
 */
class NoiseFilterTest {
    static final RouteParallelRun RUN = new RouteParallelRun("shop/r", "s", "c", "x", 1_000_000, List.of("etag"),
            List.of(JsonPath.parse("$.generatedAt")), false, 4096);

    final ParallelRuns runs = new ParallelRuns();
    final ParallelRunState state = runs.install(snapshotWith(RUN)).get("shop/r");

    static dev.ficus.xds.snapshot.ProxySnapshot snapshotWith(RouteParallelRun run) {
        var route = new dev.ficus.xds.snapshot.Route("r", dev.ficus.xds.snapshot.RouteMatch.ANY, dev.ficus.xds.snapshot.RouteAction.Forward.to("s"))
                .withPolicies(dev.ficus.xds.snapshot.RoutePolicies.NONE.withParallelRun(run));
        var b = dev.ficus.xds.snapshot.ProxySnapshot.builder("1")
                .listener(new dev.ficus.xds.snapshot.ListenerConfig("main", new dev.ficus.xds.snapshot.HostPort("127.0.0.1", 0),
                        dev.ficus.xds.snapshot.ListenerKind.OUTBOUND, dev.ficus.xds.snapshot.ListenerProtocol.HTTP, "main"))
                .routeTable(new dev.ficus.xds.snapshot.RouteTable("main", List.of(new dev.ficus.xds.snapshot.VirtualHost("all", List.of("*"), List.of(route)))));
        for (String c : List.of(run.stableCluster(), run.candidateCluster()))
            b.cluster(dev.ficus.xds.snapshot.ClusterConfig.of(c, dev.ficus.xds.snapshot.Endpoint.of("127.0.0.1", 1)));
        if (run.secondaryCluster() != null) b.cluster(dev.ficus.xds.snapshot.ClusterConfig.of(run.secondaryCluster(), dev.ficus.xds.snapshot.Endpoint.of("127.0.0.1", 2)));
        return b.build();
    }

    static Answer json(int status, String body) {
        return new Answer(status, Map.of(), "application/json; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aFieldThatDiffersBetweenStableAndSecondaryIsNoiseInTheSameAnswer() {
        ParallelRunState.Result r = state.compare(RUN, "GET", "/a", json(200, "{\"id\":1,\"price\":10}"), json(200, "{\"id\":3,\"price\":10}"),
                json(200, "{\"id\":2,\"price\":10}"));
        assertThat(r).isEqualTo(ParallelRunState.Result.NOISE);
        assertThat(state.noisyPaths()).containsExactly("$.id");
        assertThat(state.noise()).isEqualTo(1);
        assertThat(state.samples()).isEmpty();
    }

    @Test
    void aLearnedNoisyPathStaysNoisyWhenTheSecondaryLaterAgreesOrIsMissing() {
        state.compare(RUN, "GET", "/a", json(200, "{\"id\":1}"), json(200, "{\"id\":1}"), json(200, "{\"id\":2}"));
        assertThat(state.compare(RUN, "GET", "/b", json(200, "{\"id\":5}"), json(200, "{\"id\":6}"), null)).isEqualTo(ParallelRunState.Result.NOISE);
        assertThat(state.compare(RUN, "GET", "/c", json(200, "{\"id\":5}"), json(200, "{\"id\":6}"), json(200, "{\"id\":5}")))
                .isEqualTo(ParallelRunState.Result.NOISE);
        assertThat(state.matched()).isEqualTo(1);
        assertThat(state.noise()).isEqualTo(2);
    }

    @Test
    void noiseInAnArrayElementCoversThatFieldOfEveryElementAndWhatIsBelowIt() {
        state.compare(RUN, "GET", "/a", json(200, "{\"items\":[{\"ts\":{\"s\":1}}]}"), json(200, "{\"items\":[{\"ts\":{\"s\":1}}]}"),
                json(200, "{\"items\":[{\"ts\":{\"s\":2}}]}"));
        assertThat(state.noisyPaths()).containsExactly("$.items[*].ts.s");
        state.compare(RUN, "GET", "/a", json(200, "{\"items\":[{\"ts\":{}}]}"), json(200, "{\"items\":[{\"ts\":{}}]}"),
                json(200, "{\"items\":[{\"ts\":3}]}"));
        assertThat(state.noisyPaths()).containsExactly("$.items[*].ts.s", "$.items[*].ts");
        assertThat(state.compare(RUN, "GET", "/b", json(200, "{\"items\":[{\"ts\":{\"s\":1,\"n\":2}},{\"ts\":{\"s\":7}}]}"),
                json(200, "{\"items\":[{\"ts\":{\"s\":9}},{\"ts\":{\"s\":8}}]}"), null)).isEqualTo(ParallelRunState.Result.NOISE);
        // a sibling of a noisy field is not noise
        assertThat(state.compare(RUN, "GET", "/c", json(200, "{\"items\":[{\"price\":1}]}"), json(200, "{\"items\":[{\"price\":2}]}"), null))
                .isEqualTo(ParallelRunState.Result.MISMATCH);
    }

    @Test
    void aMismatchBesideNoiseIsSampledWithOnlyTheRealDifferences() {
        ParallelRunState.Result r = state.compare(RUN, "GET", "/price", json(200, "{\"id\":1,\"price\":10}"), json(200, "{\"id\":3,\"price\":12}"),
                json(200, "{\"id\":2,\"price\":10}"));
        assertThat(r).isEqualTo(ParallelRunState.Result.MISMATCH);
        ParallelRunState.Sample s = state.samples().getFirst();
        assertThat(s.method()).isEqualTo("GET");
        assertThat(s.path()).isEqualTo("/price");
        assertThat(s.differences()).extracting(Difference::path, Difference::stable, Difference::other).containsExactly(org.assertj.core.groups.Tuple.tuple("$.price", "10", "12"));
    }

    @Test
    void aSecondaryAnsweringAnotherStatusTeachesNothing() {
        state.compare(RUN, "GET", "/a", json(200, "{\"id\":1}"), json(200, "{\"id\":1}"), json(503, "{\"error\":\"down\"}"));
        assertThat(state.noisyPaths()).isEmpty();
        assertThat(state.compare(RUN, "GET", "/a", json(200, "{\"id\":1}"), json(500, "{\"id\":1}"), null)).isEqualTo(ParallelRunState.Result.MISMATCH);
    }

    @Test
    void ignoredPathsAreNeverComparedNorLearned() {
        assertThat(state.compare(RUN, "GET", "/a", json(200, "{\"generatedAt\":1}"), json(200, "{\"generatedAt\":2}"), json(200, "{\"generatedAt\":3}")))
                .isEqualTo(ParallelRunState.Result.MATCH);
        assertThat(state.noisyPaths()).isEmpty();
    }

    @Test
    void statusAndComparedHeadersAreNoiseTooWhenTheSecondaryDiffers() {
        Answer a = new Answer(200, Map.of("etag", "\"1\""), "text/plain", "same".getBytes(StandardCharsets.UTF_8));
        Answer b = new Answer(200, Map.of("etag", "\"2\""), "text/plain", "same".getBytes(StandardCharsets.UTF_8));
        Answer c = new Answer(200, Map.of("etag", "\"3\""), "text/plain", "same".getBytes(StandardCharsets.UTF_8));
        assertThat(state.compare(RUN, "GET", "/a", a, b, c)).isEqualTo(ParallelRunState.Result.NOISE);
        assertThat(state.noisyPaths()).containsExactly(":header.etag");
    }

    @Test
    void theLearnedSetAndTheSamplesAreBounded() {
        for (int i = 0; i < ParallelRunState.MAX_NOISY_PATHS + 50; i++) {
            state.compare(RUN, "GET", "/n", json(200, "{\"f" + i + "\":1}"), json(200, "{\"f" + i + "\":1}"), json(200, "{\"f" + i + "\":2}"));
        }
        assertThat(state.noisyPaths()).hasSize(ParallelRunState.MAX_NOISY_PATHS);
        for (int i = 0; i < ParallelRunState.MAX_SAMPLES + 5; i++) {
            StringBuilder many = new StringBuilder("{");
            for (int k = 0; k < 30; k++) many.append(k == 0 ? "" : ",").append("\"m").append(k).append("\":").append(i);
            state.compare(RUN, "GET", "/m/" + i, json(200, many.append('}').toString()), json(200, "{}"), null);
        }
        assertThat(state.samples()).hasSize(ParallelRunState.MAX_SAMPLES);
        assertThat(state.samples().getFirst().path()).isEqualTo("/m/5");
        assertThat(state.samples()).allSatisfy(s -> assertThat(s.differences()).hasSize(ParallelRunState.MAX_SAMPLE_DIFFERENCES));
    }

    @Test
    void bodiesThatAreNotJsonOrTooLargeCompareAsBytesOrNotAtAll() {
        Answer text1 = new Answer(200, Map.of(), "text/plain", "hello".getBytes(StandardCharsets.UTF_8));
        Answer text2 = new Answer(200, Map.of(), "text/plain", "hellO".getBytes(StandardCharsets.UTF_8));
        assertThat(AnswerDiff.diff(text1, text2, RUN, 10)).extracting(Difference::path, Difference::stable, Difference::other)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("$", "hello", "hellO"));
        Answer big = new Answer(200, Map.of(), "application/json", null);
        assertThat(AnswerDiff.diff(json(200, "{\"a\":1}"), big, RUN, 10)).isEmpty();
        assertThat(AnswerDiff.diff(json(200, "{\"a\":1}"), new Answer(404, Map.of(), "application/json", null), RUN, 10))
                .extracting(Difference::path).containsExactly(":status");
        // JSON that does not parse is compared as bytes
        assertThat(AnswerDiff.diff(json(200, "{\"a\":1"), json(200, "{\"a\":1 }"), RUN, 10)).extracting(Difference::path).containsExactly("$");
        assertThat(AnswerDiff.json("application/problem+json")).isTrue();
        assertThat(AnswerDiff.json("text/html")).isFalse();
        assertThat(AnswerDiff.parse("{\"a\":1} trailing".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(AnswerDiff.parse("[".repeat(10_000).getBytes(StandardCharsets.UTF_8))).as("deeper than the reader's limit").isNull();
        assertThat(JsonParser.parseString("{}")).isNotNull();
    }

    @Test
    void theAdminJsonShowsCountersNoiseAndSamples() {
        state.compare(RUN, "GET", "/p", json(200, "{\"id\":1,\"price\":10}"), json(200, "{\"id\":3,\"price\":12}"), json(200, "{\"id\":2,\"price\":10}"));
        state.skip(ParallelRunState.Skip.UNSAFE_METHOD);
        var doc = JsonParser.parseString(runs.json()).getAsJsonObject().getAsJsonArray("runs").get(0).getAsJsonObject();
        assertThat(doc.get("rollout").getAsString()).isEqualTo("shop/r");
        assertThat(doc.get("compared").getAsLong()).isEqualTo(1);
        assertThat(doc.get("mismatched").getAsLong()).isEqualTo(1);
        assertThat(doc.get("skipped").getAsLong()).isEqualTo(1);
        assertThat(doc.getAsJsonObject("skippedBy").get("unsafeMethod").getAsLong()).isEqualTo(1);
        assertThat(doc.get("mismatchPercent").getAsDouble()).isEqualTo(100.0);
        assertThat(doc.getAsJsonArray("noisyPaths").get(0).getAsString()).isEqualTo("$.id");
        var diff = doc.getAsJsonArray("samples").get(0).getAsJsonObject().getAsJsonArray("differences").get(0).getAsJsonObject();
        assertThat(diff.get("path").getAsString()).isEqualTo("$.price");
        assertThat(diff.get("candidate").getAsString()).isEqualTo("12");
        StringBuilder prom = new StringBuilder();
        runs.prometheus(prom);
        assertThat(prom.toString()).contains("ficus_parallel_run_responses_total{rollout=\"shop/r\",result=\"mismatch\"} 1\n",
                "ficus_parallel_run_responses_total{rollout=\"shop/r\",result=\"skipped\"} 1\n",
                "ficus_parallel_run_skipped_total{rollout=\"shop/r\",reason=\"unsafe_method\"} 1\n");
    }

    @Test
    void aRunKeepsItsResultsAcrossInstallsWhileItStaysAndIsDroppedWhenItLeaves() {
        state.skip(ParallelRunState.Skip.TIMEOUT);
        assertThat(runs.install(snapshotWith(RUN)).get("shop/r")).isSameAs(state);
        RouteParallelRun other = new RouteParallelRun("shop/other", "s", "c", null, 1, List.of(), List.of(), false, 0);
        assertThat(runs.install(snapshotWith(other))).containsOnlyKeys("shop/other");
        assertThat(runs.run("shop/r")).isNull();
        StringBuilder prom = new StringBuilder();
        runs.install(dev.ficus.xds.snapshot.ProxySnapshot.builder("empty").build());
        runs.prometheus(prom);
        assertThat(prom).isEmpty();
        assertThat(runs.json()).isEqualTo("{\"runs\":[]}");
    }

    @Test
    void theBudgetAndTheQueueRefuseRatherThanWait() {
        try (ParallelRuns small = new ParallelRuns(100)) {
            assertThat(small.reserve(60)).isTrue();
            assertThat(small.reserve(60)).isFalse();
            small.release(60);
            assertThat(small.reserve(100)).isTrue();
            assertThat(small.reserved()).isEqualTo(100);
        }
        ParallelRuns closed = new ParallelRuns();
        closed.close();
        assertThat(closed.submit(() -> { })).isFalse();
    }

    @Test
    void aFullComparerQueueRefusesAtOnce() throws Exception {
        try (ParallelRuns r = new ParallelRuns()) {
            java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            assertThat(r.submit(() -> {
                running.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            })).isTrue();
            running.await();
            java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
            for (int i = 0; i < ParallelRuns.MAX_QUEUED; i++) assertThat(r.submit(ran::incrementAndGet)).isTrue();
            assertThat(r.submit(ran::incrementAndGet)).isFalse();
            release.countDown();
            org.awaitility.Awaitility.await().until(() -> ran.get() == ParallelRuns.MAX_QUEUED);
            assertThat(r.queued()).isZero();
        }
    }
}
