package dev.ficus.control.registry;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.WorkloadEntry;
import dev.ficus.xds.translate.ServiceRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class WorkloadRegistryTest {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    private final ManualClock clock = new ManualClock(T0);
    private final HealthChecker health = new HealthChecker(clock, 1);
    // the sweeper is kept out of the way; tests call sweep() or build their own registry
    private final WorkloadRegistry registry = new WorkloadRegistry(clock, health, Duration.ofHours(1));
    private final AtomicInteger changes = new AtomicInteger();

    {
        registry.addListener(changes::incrementAndGet);
    }

    @AfterEach
    void close() {
        registry.close();
        health.close();
    }

    private static Registration billing(String label) {
        return Registration.builder("billing-1", "10.0.0.7").namespace("shop")
                .port("http", 19200).label("app", "billing").label("version", label)
                .serviceAccount("billing").weight(3).ttl(Duration.ofSeconds(10)).build();
    }

    @Test
    void registeringCreatesThenReplacesAndOnlyRealChangesAreAnnounced() {
        WorkloadRegistry.Registered first = registry.register(billing("v1"));
        assertThat(first.outcome()).isEqualTo(WorkloadRegistry.Outcome.CREATED);
        assertThat(first.workload().expiresAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(changes).hasValue(1);

        clock.advance(Duration.ofSeconds(4));
        WorkloadRegistry.Registered same = registry.register(billing("v1"));
        assertThat(same.outcome()).isEqualTo(WorkloadRegistry.Outcome.REPLACED);
        assertThat(same.workload().expiresAt()).as("a re-registration renews the lease").isEqualTo(T0.plusSeconds(14));
        assertThat(same.workload().registeredAt()).isEqualTo(T0);
        assertThat(changes).as("an identical registration changes nothing a proxy sees").hasValue(1);

        registry.register(billing("v2"));
        assertThat(changes).hasValue(2);
        assertThat(registry.list()).singleElement()
                .satisfies(w -> assertThat(w.registration().labels()).containsEntry("version", "v2"));
    }

    @Test
    void namespaceDefaultsToDefault() {
        registry.register(Registration.builder("legacy", "legacy.example.com").build());
        assertThat(registry.get("default", "legacy")).isPresent()
                .get().satisfies(w -> assertThat(w.registration().ttl()).isEqualTo(Registration.DEFAULT_TTL));
    }

    @Test
    void aLeaseRunsOutWithoutHeartbeatsAndTheSweepAnnouncesIt() {
        registry.register(billing("v1"));
        clock.advance(Duration.ofSeconds(9));
        assertThat(registry.list()).hasSize(1);
        assertThat(registry.asWorkloadEntries()).hasSize(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(registry.list()).as("expired workloads are gone for every reader at once").isEmpty();
        assertThat(registry.asWorkloadEntries()).isEmpty();
        assertThat(registry.heartbeat("shop", "billing-1")).as("too late to renew").isEmpty();
        assertThat(changes).as("the heartbeat found and removed the expired workload").hasValue(2);

        registry.sweep();
        assertThat(changes).as("nothing left to sweep").hasValue(2);
    }

    @Test
    void theSweepAloneRemovesAndAnnouncesAnExpiredWorkload() {
        registry.register(billing("v1"));
        clock.advance(Duration.ofSeconds(11));
        registry.sweep();
        assertThat(changes).hasValue(2);
        assertThat(registry.deregister("shop", "billing-1")).isFalse();
    }

    @Test
    void theScheduledSweeperRemovesExpiredWorkloads() {
        try (WorkloadRegistry fast = new WorkloadRegistry(clock, health, Duration.ofMillis(20))) {
            AtomicInteger fastChanges = new AtomicInteger();
            fast.addListener(fastChanges::incrementAndGet);
            fast.register(billing("v1"));
            clock.advance(Duration.ofSeconds(30));
            await().atMost(5, TimeUnit.SECONDS).until(() -> fastChanges.get() == 2);
            assertThat(fast.list()).isEmpty();
        }
    }

    @Test
    void aHeartbeatExtendsTheLeaseByTheTtl() {
        registry.register(billing("v1"));
        clock.advance(Duration.ofSeconds(8));
        assertThat(registry.heartbeat("shop", "billing-1")).get()
                .satisfies(w -> assertThat(w.expiresAt()).isEqualTo(T0.plusSeconds(18)));
        clock.advance(Duration.ofSeconds(5));
        assertThat(registry.get("shop", "billing-1")).as("alive past the first lease").isPresent();
        assertThat(changes).as("a heartbeat changes nothing a proxy sees").hasValue(1);
        clock.advance(Duration.ofSeconds(5));
        assertThat(registry.get("shop", "billing-1")).isEmpty();
    }

    @Test
    void unknownWorkloadsCannotBeRenewedOrRemoved() {
        assertThat(registry.heartbeat("shop", "nope")).isEmpty();
        assertThat(registry.deregister("shop", "nope")).isFalse();
        assertThat(changes).hasValue(0);
    }

    @Test
    void deregisteringRemovesAndAnnounces() {
        registry.register(billing("v1"));
        assertThat(registry.deregister("shop", "billing-1")).isTrue();
        assertThat(registry.list()).isEmpty();
        assertThat(changes).hasValue(2);
    }

    @Test
    void listenersRunWithNoLockHeld() throws Exception {
        AtomicReference<List<RegisteredWorkload>> seenFromAnotherThread = new AtomicReference<>();
        registry.addListener(() -> {
            // would wait forever if the registry still held its lock while calling listeners
            try {
                seenFromAnotherThread.set(CompletableFuture.supplyAsync(registry::list).get(5, TimeUnit.SECONDS));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        registry.register(billing("v1"));
        assertThat(seenFromAnotherThread.get()).hasSize(1);
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        registry.addListener(() -> {
            throw new IllegalStateException("boom");
        });
        AtomicInteger later = new AtomicInteger();
        registry.addListener(later::incrementAndGet);
        registry.register(billing("v1"));
        assertThat(later).hasValue(1);
    }

    @Test
    void workloadEntriesCarryTheRegistrationAndNameTheRestApiAsOrigin() {
        registry.register(billing("v1"));
        Resource<WorkloadEntry> r = registry.asWorkloadEntries().getFirst();
        assertThat(r.kind()).isEqualTo(Kind.WORKLOAD_ENTRY);
        assertThat(r.apiVersion()).isEqualTo("networking.istio.io/v1");
        assertThat(r.namespace()).isEqualTo("shop");
        assertThat(r.name()).isEqualTo("billing-1");
        assertThat(r.spec().address()).isEqualTo("10.0.0.7");
        assertThat(r.spec().ports()).containsExactlyEntriesOf(java.util.Map.of("http", 19200));
        assertThat(r.spec().labels()).containsEntry("app", "billing").containsEntry("version", "v1");
        assertThat(r.spec().serviceAccount()).isEqualTo("billing");
        assertThat(r.spec().weight()).isEqualTo(3);
        assertThat(r.origin().file()).isEqualTo(WorkloadRegistry.ORIGIN);
        assertThat(r.origin().fingerprint()).isNotEmpty();

        String before = r.origin().fingerprint();
        registry.register(Registration.builder("billing-1", "10.0.0.7").namespace("shop")
                .port("http", 19200).label("version", "v1").label("app", "billing")
                .serviceAccount("billing").weight(3).ttl(Duration.ofSeconds(20)).build());
        assertThat(registry.asWorkloadEntries().getFirst().origin().fingerprint())
                .as("a new ttl alone changes no endpoint").isEqualTo(before);
        registry.register(billing("v2"));
        assertThat(registry.asWorkloadEntries().getFirst().origin().fingerprint()).isNotEqualTo(before);
    }

    @Test
    void mergedRegistrationsBecomeEndpointsOfASelectingServiceEntry() {
        ConfigSet declared = ConfigLoader.loadString("mesh.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: billing, namespace: shop}
                spec:
                  hosts: [billing.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
                  workloadSelector: {labels: {app: billing}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: billing-0, namespace: shop}
                spec: {address: 10.0.0.5, labels: {app: billing}}
                """).config();
        registry.register(billing("v1"));
        registry.register(Registration.builder("billing-0", "10.9.9.9").namespace("shop").label("app", "billing").build());

        ConfigSet merged = registry.mergeInto(declared);

        assertThat(merged.all(Kind.WORKLOAD_ENTRY, WorkloadEntry.class))
                .as("the declared billing-0 wins over the registered one")
                .extracting(r -> r.spec().address()).containsExactly("10.0.0.5", "10.0.0.7");
        ServiceRegistry services = ServiceRegistry.of(merged);
        assertThat(services.find("billing.shop.svc.cluster.local")).get()
                .satisfies(s -> assertThat(s.instances()).extracting(ServiceRegistry.Instance::address)
                        .containsExactlyInAnyOrder("10.0.0.5", "10.0.0.7"));
    }
}
