package dev.ficus.control.registry;

import dev.ficus.testing.ClosedPort;
import dev.ficus.testing.FakeUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class HealthCheckerTest {
    private static final Duration PERIOD = Duration.ofMillis(30);

    private final HealthChecker health = new HealthChecker(InstantSource.system(), 2);
    private final List<String> events = new CopyOnWriteArrayList<>();

    {
        health.addListener((key, healthy) -> events.add(key + (healthy ? " healthy" : " unhealthy")));
    }

    @AfterEach
    void close() {
        health.close();
    }

    @Test
    void httpProbeTurnsUnhealthyAfterTheThresholdAndBackAfterOneSuccess() {
        try (FakeUpstream app = FakeUpstream.start("billing")) {
            health.watch("billing", Probe.httpGet("/healthz", app.port(), PERIOD, Duration.ofSeconds(1), 3), app.host());
            await().atMost(5, TimeUnit.SECONDS).until(() -> app.requestCount("/healthz") >= 2);
            assertThat(health.isHealthy("billing")).isTrue();
            assertThat(app.seen().getFirst().header("user-agent")).isEqualTo("ficus-health-check");

            app.failWith(503);
            await().atMost(5, TimeUnit.SECONDS).until(() -> !health.isHealthy("billing"));
            assertThat(health.status("billing")).get().satisfies(s -> {
                assertThat(s.consecutiveFailures()).isGreaterThanOrEqualTo(3);
                assertThat(s.lastError()).isEqualTo("HTTP status 503");
            });
            await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(events).containsExactly("billing unhealthy"));

            app.failWith(0);
            await().atMost(5, TimeUnit.SECONDS).until(() -> health.isHealthy("billing"));
            await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(events).containsExactly("billing unhealthy", "billing healthy"));
            assertThat(health.status("billing")).get().satisfies(s -> assertThat(s.consecutiveFailures()).isZero());
        }
    }

    @Test
    void redirectsCountAsHealthyAndServerErrorsDoNot() {
        try (FakeUpstream app = FakeUpstream.start("billing")) {
            health.watch("moved", Probe.httpGet("/status/302", app.port(), PERIOD, Duration.ofSeconds(1), 1), app.host());
            health.watch("broken", Probe.httpGet("/status/500", app.port(), PERIOD, Duration.ofSeconds(1), 1), app.host());
            await().atMost(5, TimeUnit.SECONDS).until(() -> app.requestCount("/status/302") >= 3 && !health.isHealthy("broken"));
            assertThat(health.isHealthy("moved")).isTrue();
            await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(events).containsExactly("broken unhealthy"));
        }
    }

    @Test
    void aSlowAnswerIsATimeout() {
        try (FakeUpstream app = FakeUpstream.start("billing")) {
            health.watch("slow", Probe.httpGet("/delay/3000", app.port(), PERIOD, Duration.ofMillis(100), 1), app.host());
            await().atMost(5, TimeUnit.SECONDS).until(() -> !health.isHealthy("slow"));
            assertThat(health.status("slow")).get().satisfies(s -> assertThat(s.lastError()).isEqualTo("timed out"));
        }
    }

    @Test
    void tcpProbeAgainstAClosedPortTurnsUnhealthyThenHealthyWhenSomethingListens() throws IOException {
        int port = ClosedPort.find();
        health.watch("db", Probe.tcp(port, PERIOD, Duration.ofSeconds(1), 3), "127.0.0.1");
        await().atMost(5, TimeUnit.SECONDS).until(() -> !health.isHealthy("db"));
        assertThat(health.status("db")).get().satisfies(s -> {
            assertThat(s.consecutiveFailures()).isGreaterThanOrEqualTo(3);
            assertThat(s.lastError()).isNotNull();
        });
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(events).containsExactly("db unhealthy"));

        try (ServerSocket listening = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> health.isHealthy("db"));
            assertThat(listening.getLocalPort()).isEqualTo(port);
            await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(events).containsExactly("db unhealthy", "db healthy"));
        }
    }

    @Test
    void anUnwatchedEndpointIsNoLongerCheckedOrKnown() {
        try (FakeUpstream app = FakeUpstream.start("billing")) {
            health.watch("billing", Probe.httpGet("/healthz", app.port(), PERIOD, Duration.ofSeconds(1), 1), app.host());
            await().atMost(5, TimeUnit.SECONDS).until(() -> app.requestCount("/healthz") >= 1);
            health.unwatch("billing");
            long before = app.requestCount("/healthz");
            assertThat(health.isHealthy("billing")).isFalse();
            assertThat(health.status("billing")).isEmpty();
            // a check already in flight may still land; no new one starts (ten periods of silence)
            await().during(Duration.ofMillis(300)).atMost(5, TimeUnit.SECONDS)
                    .until(() -> app.requestCount("/healthz") <= before + 1);
        }
    }

    @Test
    void theRegistryDropsAWorkloadWhoseProbeFailsAndTakesItBackWhenItRecovers() {
        try (FakeUpstream app = FakeUpstream.start("billing");
             WorkloadRegistry registry = new WorkloadRegistry(InstantSource.system(), health, Duration.ofSeconds(1))) {
            AtomicInteger changes = new AtomicInteger();
            registry.addListener(changes::incrementAndGet);
            registry.register(Registration.builder("billing-1", app.host()).namespace("shop").port("http", app.port())
                    .probe(Probe.httpGet("/healthz", app.port(), PERIOD, Duration.ofSeconds(1), 2)).build());
            assertThat(registry.asWorkloadEntries()).hasSize(1);
            assertThat(changes).hasValue(1);

            app.failWith(503);
            await().atMost(5, TimeUnit.SECONDS).until(() -> registry.asWorkloadEntries().isEmpty());
            await().atMost(5, TimeUnit.SECONDS).until(() -> changes.get() == 2);
            assertThat(registry.list()).singleElement().satisfies(w -> {
                assertThat(w.healthy()).isFalse();
                assertThat(w.lastProbeError()).isEqualTo("HTTP status 503");
            });

            app.failWith(0);
            await().atMost(5, TimeUnit.SECONDS).until(() -> registry.asWorkloadEntries().size() == 1);
            await().atMost(5, TimeUnit.SECONDS).until(() -> changes.get() == 3);

            registry.deregister("shop", "billing-1");
            assertThat(health.status(WorkloadRegistry.healthKey("shop", "billing-1"))).as("its probe stops").isEmpty();
        }
    }
}
