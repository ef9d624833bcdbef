package dev.ficus.control.rollout;

import com.sun.net.httpserver.HttpServer;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.validate.Validator;
import dev.ficus.control.graph.EdgeKey;
import dev.ficus.control.graph.ServiceGraph;
import dev.ficus.control.graph.Workload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The controller on its own thread with a graph the test writes: a good canary promotes, a bad one
 * rolls back after the failure limit, a webhook holds a gate, and a restarted controller resumes
 * from its state directory without starting over.
 */
class RolloutControllerTest {
    private static final String MESH = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: reviews}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews-v1, namespace: shop}
            spec: {address: 127.0.0.1, ports: {http: 19181}, labels: {app: reviews, version: v1}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews-v2, namespace: shop}
            spec: {address: 127.0.0.1, ports: {http: 19182}, labels: {app: reviews, version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec:
              host: reviews.shop.svc.cluster.local
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              http:
              - route: [{destination: {host: reviews.shop.svc.cluster.local, subset: v1}}]
            ---
            """;

    private final AtomicReference<ServiceGraph> graph = new AtomicReference<>();
    private final AtomicInteger pushes = new AtomicInteger();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final AtomicLong now = new AtomicLong(Instant.parse("2026-11-26T00:00:00Z").toEpochMilli());
    private RolloutController controller;
    private HttpServer hooks;

    @AfterEach
    void close() {
        if (controller != null) controller.close();
        if (hooks != null) hooks.stop(0);
    }

    private RolloutController start(Path dir) {
        controller = new RolloutController(new RolloutController.Host() {
            @Override public void routesChanged() { pushes.incrementAndGet(); }
            @Override public CompletableFuture<ServiceGraph> graph(Duration window) { return CompletableFuture.completedFuture(graph.get()); }
            @Override public CompletableFuture<dev.ficus.control.parallelrun.ParallelRunReport> parallelRun(String ns, String name) {
                return CompletableFuture.failedFuture(new IllegalStateException("no parallel runs here"));
            }
            @Override public void info(String m) { log.add(m); }
            @Override public void warn(String m) { log.add("WARN " + m); }
        }, dir, InstantSource.system());
        return controller;
    }

    private static ConfigSet config(String rollout) {
        ConfigLoader.Result r = Validator.loadAndValidateString("mesh.yaml", MESH + rollout);
        assertThat(r.diagnostics().stream().filter(d -> d.isError()).map(d -> d.format())).isEmpty();
        return Validator.effective(r.config());
    }

    /** v2 served {@code requests} requests, {@code errors} of them 5xx, with this p99. */
    private static ServiceGraph served(long requests, long errors, double p99) {
        Workload caller = new Workload("shop", "monolith");
        Workload v2 = new Workload("shop", "reviews-v2");
        Workload v1 = new Workload("shop", "reviews-v1");
        return new ServiceGraph(Duration.ofSeconds(1), Instant.now(), List.of(), List.of(), List.of(
                edge(caller, v2, requests, errors, p99),
                edge(caller, v1, 1000, 900, 9999))); // the stable's figures must not count for the canary
    }

    private static ServiceGraph.Edge edge(Workload from, Workload to, long requests, long errors, double p99) {
        return new ServiceGraph.Edge(from, to, "reviews.shop.svc.cluster.local", EdgeKey.Protocol.HTTP, EdgeKey.Reporter.DESTINATION,
                requests, requests, errors, requests == 0 ? 0 : (double) errors / requests, 0, 0, p99 / 2, p99,
                ServiceGraph.Security.MUTUAL_TLS, 1, 0, 0, 0, 0, 1);
    }

    private static String canary(String extra) {
        return """
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: reviews, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: reviews.shop.svc.cluster.local, subset: v1}
                  canary: {host: reviews.shop.svc.cluster.local, subset: v2}
                  strategy:
                    canary: {stepWeights: [10, 50]}
                  analysis:
                    interval: 100ms
                    failureLimit: 2
                    minRequests: 10
                    metrics:
                    - name: request-success-rate
                      thresholdRange: {min: 99}
                    - name: request-duration
                      thresholdRange: {max: 500}
                """ + extra;
    }

    private RolloutState state() {
        return controller.states().get("shop/reviews");
    }

    @Test
    void aGoodCanaryPromotesAndItsStateIsSaved(@TempDir Path dir) throws IOException {
        graph.set(served(200, 0, 40));
        start(dir).reconcile(config(canary("")));
        await().atMost(Duration.ofSeconds(30)).until(() -> state() != null && state().progress().phase() == Phase.SUCCEEDED);
        assertThat(state().progress().weight()).isEqualTo(100);
        assertThat(state().events()).extracting(RolloutState.Event::reason)
                .containsSubsequence("Started", "WeightChanged", "WeightChanged", "Promoted", "Succeeded");
        assertThat(state().lastCheck().verdict()).isEqualTo("pass");
        assertThat(state().lastCheck().requests()).as("only the canary's workloads count").isEqualTo(200);
        assertThat(pushes.get()).isGreaterThanOrEqualTo(3);
        // the state file is written after the phase changes in memory
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .untilAsserted(() -> assertThat(Files.readString(dir.resolve("shop_reviews.json"))).contains("\"SUCCEEDED\""));
    }

    @Test
    void errorsRollBackAfterTheFailureLimit() {
        graph.set(served(200, 20, 40));
        start(null).reconcile(config(canary("")));
        await().atMost(Duration.ofSeconds(30)).until(() -> state() != null && state().progress().phase() == Phase.ROLLED_BACK);
        assertThat(state().progress().weight()).isZero();
        assertThat(state().progress().failures()).isEqualTo(2);
        assertThat(state().progress().message()).contains("request-success-rate").contains("90.00%");
        assertThat(state().events()).extracting(RolloutState.Event::reason).containsSubsequence("CheckFailed", "CheckFailed", "RolledBack");
    }

    @Test
    void latencyOverTheLimitRollsBack() {
        graph.set(served(200, 0, 2500));
        start(null).reconcile(config(canary("")));
        await().atMost(Duration.ofSeconds(30)).until(() -> state() != null && state().progress().phase() == Phase.ROLLED_BACK);
        assertThat(state().progress().message()).contains("request-duration").contains("2500.00 ms");
    }

    @Test
    void tooFewRequestsAreInconclusiveAndHold() {
        graph.set(served(3, 3, 40));
        start(null).reconcile(config(canary("")));
        await().atMost(Duration.ofSeconds(30)).until(() -> state() != null && state().lastCheck() != null && state().lastCheck().verdict().equals("inconclusive"));
        assertThat(state().progress().weight()).isEqualTo(10);
        assertThat(state().progress().failures()).isZero();
    }

    @Test
    void aPreRolloutWebhookHoldsUntilItSaysYes() throws IOException {
        AtomicInteger status = new AtomicInteger(503);
        List<String> bodies = new CopyOnWriteArrayList<>();
        hooks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hooks.createContext("/gate", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
        });
        hooks.start();
        graph.set(served(200, 0, 40));
        start(null).reconcile(config(canary("""
                    webhooks:
                    - name: gate
                      type: pre-rollout
                      url: http://127.0.0.1:%d/gate
                      metadata: {suite: smoke}
                """.formatted(hooks.getAddress().getPort()))));
        await().atMost(Duration.ofSeconds(30)).until(() -> bodies.size() >= 2);
        assertThat(state().progress().step()).isZero();
        assertThat(state().progress().weight()).isZero();
        assertThat(state().progress().message()).contains("pre-rollout webhook said no").contains("503");
        assertThat(bodies.getFirst()).contains("\"name\":\"reviews\"").contains("\"type\":\"pre-rollout\"").contains("\"suite\":\"smoke\"");
        status.set(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> state().progress().phase() == Phase.SUCCEEDED);
    }

    @Test
    void aRestartedControllerResumesWithoutStartingOver(@TempDir Path dir) {
        graph.set(served(200, 0, 40));
        String spec = canary("").replace("canary: {stepWeights: [10, 50]}", """
                canary:
                      steps:
                      - setWeight: 30
                      - pause: {}
                      - setWeight: 60
                """);
        start(dir).reconcile(config(spec));
        await().atMost(Duration.ofSeconds(30)).until(() -> state() != null && state().progress().weight() == 30
                && state().progress().message().contains("until promoted"));
        controller.close();
        int before = pushes.get();
        log.clear();
        start(dir).reconcile(config(spec));
        await().atMost(Duration.ofSeconds(30)).until(() -> state() != null);
        assertThat(state().progress().weight()).as("resumed at the same weight").isEqualTo(30);
        assertThat(state().events()).extracting(RolloutState.Event::reason).contains("Resumed").containsOnlyOnce("Started");
        assertThat(log).anySatisfy(l -> assertThat(l).contains("resumed from"));
        controller.command("shop", "reviews", RolloutController.Command.PROMOTE).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> state().progress().phase() == Phase.SUCCEEDED);
        assertThat(pushes.get()).isGreaterThan(before);
    }

    @Test
    void commandsAbortUndoAndResume() {
        graph.set(served(200, 0, 40));
        String spec = canary("").replace("canary: {stepWeights: [10, 50]}", "canary: {steps: [{setWeight: 20}, {pause: {}}]}");
        start(null).reconcile(config(spec));
        await().atMost(Duration.ofSeconds(30)).until(() -> state() != null && state().progress().weight() == 20);
        RolloutState paused = controller.command("shop", "reviews", RolloutController.Command.PAUSE).join();
        assertThat(paused.progress().phase()).isEqualTo(Phase.PAUSED);
        RolloutState aborted = controller.command("shop", "reviews", RolloutController.Command.ABORT).join();
        assertThat(aborted.progress().phase()).isEqualTo(Phase.ABORTED);
        assertThat(aborted.progress().weight()).isZero();
        assertThat(controller.command("shop", "reviews", RolloutController.Command.PROMOTE))
                .failsWithin(Duration.ofSeconds(5)).withThrowableThat().withMessageContaining("only a progressing rollout can be promoted");
        RolloutState restarted = controller.command("shop", "reviews", RolloutController.Command.RESUME).join();
        assertThat(restarted.progress().phase()).isEqualTo(Phase.PROGRESSING);
        await().atMost(Duration.ofSeconds(30)).until(() -> state().progress().weight() == 20);
        controller.command("shop", "reviews", RolloutController.Command.PROMOTE).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> state().progress().phase() == Phase.SUCCEEDED);
        RolloutState undone = controller.command("shop", "reviews", RolloutController.Command.UNDO).join();
        assertThat(undone.progress().phase()).isEqualTo(Phase.ROLLED_BACK);
        assertThat(undone.progress().weight()).isZero();
        assertThat(controller.command("shop", "missing", RolloutController.Command.PAUSE))
                .failsWithin(Duration.ofSeconds(5)).withThrowableThat().withMessageContaining("no rollout shop/missing");
    }
}
