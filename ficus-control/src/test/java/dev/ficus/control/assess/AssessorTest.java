package dev.ficus.control.assess;

import dev.ficus.api.config.ConfigSet;
import dev.ficus.control.graph.ServiceGraph;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static dev.ficus.control.assess.AssessSamples.config;
import static dev.ficus.control.assess.AssessSamples.graph;
import static dev.ficus.control.assess.AssessSamples.host;
import static dev.ficus.control.assess.AssessSamples.http;
import static dev.ficus.control.assess.AssessSamples.mtls;
import static dev.ficus.control.assess.AssessSamples.proxies;
import static dev.ficus.control.assess.AssessSamples.service;
import static dev.ficus.control.assess.AssessSamples.steps;
import static dev.ficus.control.assess.AssessSamples.toUnmeshed;
import static dev.ficus.control.assess.AssessSamples.workloadOf;
import static org.assertj.core.api.Assertions.assertThat;

/** The assessor on hand-built graphs and configs: what is meshed, verdicts and their reasons, the order. */
class AssessorTest {

    /**
     * web (meshed) calls orders and catalog; orders calls payments; audit has no traffic; an
     * external API is called too.
     */
    static final String SHOP = AssessSamples.service("shop", "web", 1) + AssessSamples.service("shop", "orders", 1)
            + AssessSamples.service("shop", "payments", 1) + AssessSamples.service("shop", "catalog", 1)
            + AssessSamples.service("shop", "audit", 1) + """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: maps, namespace: shop}
            spec:
              hosts: [maps.example.com]
              location: MESH_EXTERNAL
              resolution: DNS
              ports: [{number: 443, name: tls, protocol: TLS}]
            """;

    static ServiceGraph shopTraffic() {
        return graph(
                toUnmeshed("shop/web-1", host("orders"), 100, 0),
                toUnmeshed("shop/web-1", host("catalog"), 400, 0),
                toUnmeshed("shop/web-1", "maps.example.com", 10, 0),
                // orders had a proxy while the window ran (it is gone now): its calls were seen
                toUnmeshed("shop/orders-1", host("payments"), 50, 0));
    }

    @Test
    void leavesComeFirstThenTheLeastCritical() {
        Assessment a = Assessor.assess(shopTraffic(), config(SHOP), proxies("shop/web-1"));

        assertThat(a.done()).containsExactly(host("web"));
        // audit: nobody depends on it; catalog: web does; payments: orders and (through it) web; orders waits for payments
        assertThat(steps(a)).containsExactly(List.of(host("audit")), List.of(host("catalog")), List.of(host("payments")), List.of(host("orders")));
        assertThat(a.order().get(0).reason()).isEqualTo("calls nothing the mesh has seen (its own calls show once it has a proxy); no dependents; no traffic in the window");
        assertThat(a.order().get(1).reason()).isEqualTo("calls nothing the mesh has seen (its own calls show once it has a proxy); 1 dependent ("
                + host("web") + "); 8.00 rps");
        assertThat(a.order().get(2).reason()).startsWith("calls nothing the mesh has seen").contains("2 dependents (" + host("orders") + ", " + host("web") + ")");
        assertThat(a.order().get(3).reason()).startsWith("after step 3 (" + host("payments") + "), which it calls; 1 dependent (" + host("web") + "); 2.00 rps");
        assertThat(a.order()).extracting(Assessment.Step::number).containsExactly(1, 2, 3, 4);

        Assessment.Service payments = service(a, host("payments"));
        assertThat(payments.dependents()).containsExactly(host("orders"));
        assertThat(payments.transitiveDependents()).isEqualTo(2);
        assertThat(service(a, host("web")).dependsOn()).containsExactly(host("catalog"), "maps.example.com", host("orders"));

        Assessment.Service maps = service(a, "maps.example.com");
        assertThat(maps.kind()).isEqualTo(Assessment.Kind.EXTERNAL);
        assertThat(maps.verdict()).isEqualTo(Assessment.Verdict.EXTERNAL);
        assertThat(steps(a)).noneMatch(s -> s.contains("maps.example.com"));
        assertThat(a.summary()).isEqualTo(new Assessment.Summary(5, 1, 5, 1, 1, 0));
    }

    @Test
    void amongEquallyCriticalLeavesTheOneWithLessTrafficGoesFirstAndTiesEndOnTheName() {
        String yaml = AssessSamples.service("shop", "web", 1) + AssessSamples.service("shop", "b", 1) + AssessSamples.service("shop", "a", 1)
                + AssessSamples.service("shop", "c", 1);
        ServiceGraph g = graph(toUnmeshed("shop/web-1", host("b"), 10, 0), toUnmeshed("shop/web-1", host("c"), 50, 0),
                toUnmeshed("shop/web-1", host("a"), 50, 0));
        Assessment a = Assessor.assess(g, config(yaml), proxies("shop/web-1"));
        assertThat(steps(a)).containsExactly(List.of(host("b")), List.of(host("a")), List.of(host("c")));
        // the same inputs in another order give the same answer
        ServiceGraph shuffled = graph(toUnmeshed("shop/web-1", host("a"), 50, 0), toUnmeshed("shop/web-1", host("c"), 50, 0),
                toUnmeshed("shop/web-1", host("b"), 10, 0));
        assertThat(AssessmentJson.write(Assessor.assess(shuffled, config(yaml), proxies("shop/web-1")))).isEqualTo(AssessmentJson.write(a));
    }

    @Test
    void servicesThatCallEachOtherAreOneStepAndTheirCallersWaitForIt() {
        String yaml = AssessSamples.service("shop", "a", 1) + AssessSamples.service("shop", "b", 1) + AssessSamples.service("shop", "c", 1)
                + AssessSamples.service("shop", "d", 1);
        ServiceGraph g = graph(
                http("shop/a-1", host("b"), "shop/b-1", 10, 0, 5, ServiceGraph.Security.PLAINTEXT, 0),
                http("shop/b-1", host("a"), "shop/a-1", 10, 0, 5, ServiceGraph.Security.PLAINTEXT, 0),
                http("shop/c-1", host("a"), "shop/a-1", 10, 0, 5, ServiceGraph.Security.PLAINTEXT, 0),
                http("shop/d-1", host("d"), "shop/d-1", 10, 0, 5, ServiceGraph.Security.PLAINTEXT, 0)); // a service calling itself
        Assessment a = Assessor.assess(g, config(yaml), List.of());
        assertThat(a.done()).isEmpty();
        assertThat(steps(a)).containsExactly(List.of(host("d")), List.of(host("a"), host("b")), List.of(host("c")));
        assertThat(a.order().get(1).reason()).startsWith(host("a") + ", " + host("b") + " call each other: onboard them together; calls nothing else; 1 dependent (" + host("c") + ")");
        assertThat(a.order().get(2).reason()).startsWith("after step 2 (" + host("a") + "), which it calls");
        assertThat(service(a, host("d")).dependsOn()).isEmpty();
    }

    @Test
    void aCycleWithAMeshedMemberOrdersOnlyTheRest() {
        String yaml = AssessSamples.service("shop", "a", 1) + AssessSamples.service("shop", "b", 1);
        ServiceGraph g = graph(mtls("shop/a-1", host("b"), "shop/b-1", 10), mtls("shop/b-1", host("a"), "shop/a-1", 10));
        Assessment a = Assessor.assess(g, config(yaml), proxies("shop/a-1"));
        assertThat(a.done()).containsExactly(host("a"));
        assertThat(steps(a)).containsExactly(List.of(host("b")));
        assertThat(a.order().getFirst().reason()).startsWith("calls only services already meshed or outside the mesh (" + host("a") + "); 1 dependent");
    }

    @Test
    void unknownCallersArePlaintextCallersAndStrictWouldRefuseThem() {
        String yaml = AssessSamples.service("shop", "orders", 1) + """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: orders-strict, namespace: shop}
                spec:
                  selector: {matchLabels: {app: orders}}
                  mtls: {mode: STRICT}
                ---
                """;
        ServiceGraph g = graph(http("unknown", host("orders"), "shop/orders-1", 20, 0, 8, ServiceGraph.Security.PLAINTEXT, 0));
        Assessment a = Assessor.assess(g, config(yaml), List.of());
        Assessment.Service orders = service(a, host("orders"));
        assertThat(orders.verdict()).isEqualTo(Assessment.Verdict.FIX_FIRST);
        assertThat(orders.mtls()).isEqualTo(new Assessment.Mtls("STRICT", 0));
        assertThat(orders.callers()).containsExactly(new Assessment.Caller("unknown", false, "plaintext", 20, 0.4));
        assertThat(orders.reasons().getFirst()).isEqualTo("plaintext callers: unknown (clients without a proxy the mesh cannot name) — its PeerAuthentication"
                + " is STRICT and would refuse them once it has a proxy: set PERMISSIVE until they are meshed");
        assertThat(orders.reasons()).contains("not meshed: 0 of 1 instance has a proxy");
        assertThat(workloadOf(a, "shop/orders-1").peerAuthentication()).isEqualTo(new Assessment.PeerAuth("STRICT", "shop/orders-strict", java.util.Map.of()));
        assertThat(a.order().getFirst().verdict()).isEqualTo(Assessment.Verdict.FIX_FIRST);
        assertThat(a.order().getFirst().reason()).endsWith("no dependents and callers without a proxy; 0.40 rps; fix first: " + orders.reasons().getFirst());
        // unknown callers make a service more critical than one without callers
        String two = yaml + AssessSamples.service("shop", "quiet", 1);
        assertThat(steps(Assessor.assess(g, config(two), List.of()))).containsExactly(List.of(host("quiet")), List.of(host("orders")));
    }

    @Test
    void aMeshedServiceWithPlaintextCallersStaysPermissiveAndOneWithOnlyMtlsCallersIsReadyForStrict() {
        String yaml = AssessSamples.service("shop", "web", 1) + AssessSamples.service("shop", "backend", 1) + AssessSamples.service("shop", "db", 1);
        ServiceGraph g = graph(
                http("shop/web-1", host("backend"), "shop/backend-1", 40, 0, 30, ServiceGraph.Security.MUTUAL_TLS, 1),
                http("unknown", host("backend"), "shop/backend-1", 10, 0, 30, ServiceGraph.Security.PLAINTEXT, 0),
                mtls("shop/backend-1", host("db"), "shop/db-1", 25));
        Assessment a = Assessor.assess(g, config(yaml), proxies("shop/web-1", "shop/backend-1", "shop/db-1"));
        Assessment.Service backend = service(a, host("backend"));
        assertThat(backend.verdict()).isEqualTo(Assessment.Verdict.MESHED);
        assertThat(backend.mtls().mode()).isEqualTo("PERMISSIVE");
        assertThat(backend.mtls().observedShare()).isEqualTo(0.8);
        assertThat(backend.reasons()).containsExactly("meshed: every instance has a proxy (1 of 1)",
                "plaintext callers: unknown (clients without a proxy the mesh cannot name) — they keep working while it is PERMISSIVE; STRICT waits until they are meshed");
        assertThat(service(a, host("db")).reasons()).contains("every caller in the window used mTLS: ready for STRICT");
        assertThat(a.order()).isEmpty();
        assertThat(a.done()).containsExactly(host("backend"), host("db"), host("web"));
        assertThat(a.notes()).isEmpty();
    }

    @Test
    void servicesWithoutTrafficAreOrderedByNameAndSaySoWithoutBlocking() {
        String yaml = AssessSamples.service("shop", "b", 1) + AssessSamples.service("shop", "a", 2);
        Assessment a = Assessor.assess(graph(), config(yaml), List.of());
        assertThat(steps(a)).containsExactly(List.of(host("a")), List.of(host("b")));
        Assessment.Service s = service(a, host("a"));
        assertThat(s.verdict()).isEqualTo(Assessment.Verdict.READY);
        assertThat(s.instances()).isEqualTo(2);
        assertThat(s.traffic()).isEqualTo(Assessment.Traffic.NONE);
        assertThat(s.mtls()).isEqualTo(new Assessment.Mtls("PERMISSIVE", Double.NaN));
        assertThat(s.reasons()).containsExactly("not meshed: 0 of 2 instances have a proxy", "no traffic in the last 5m: callers unknown");
        assertThat(a.notes()).containsExactly(
                "no traffic in the last 5m: dependencies and rates are unknown, the order follows the config alone",
                "calls between workloads without a proxy are invisible to the mesh: the order treats them as independent; assess again after each step");
    }

    @Test
    void errorRatesDecideBetweenReadyCautionAndFixFirst() {
        String yaml = AssessSamples.service("shop", "web", 1) + AssessSamples.service("shop", "flaky", 1)
                + AssessSamples.service("shop", "shaky", 1) + AssessSamples.service("shop", "fine", 1);
        ServiceGraph g = graph(toUnmeshed("shop/web-1", host("flaky"), 100, 12), toUnmeshed("shop/web-1", host("shaky"), 100, 2),
                toUnmeshed("shop/web-1", host("fine"), 100, 0));
        Assessment a = Assessor.assess(g, config(yaml), proxies("shop/web-1"));
        assertThat(service(a, host("flaky")).verdict()).isEqualTo(Assessment.Verdict.FIX_FIRST);
        assertThat(service(a, host("flaky")).reasons().getFirst()).isEqualTo("error rate 12.0% — fix before onboarding, or the mesh's numbers will carry it");
        assertThat(service(a, host("shaky")).verdict()).isEqualTo(Assessment.Verdict.CAUTION);
        assertThat(service(a, host("shaky")).reasons().getFirst()).isEqualTo("error rate 2.0% — write it down as the baseline before onboarding");
        assertThat(service(a, host("fine")).verdict()).isEqualTo(Assessment.Verdict.READY);
        assertThat(service(a, host("flaky")).traffic()).isEqualTo(new Assessment.Traffic(100, 2, 12, 0.12, 20, 0));
    }

    @Test
    void partlyMeshedConfiguredAndAddressOnlyInstancesAreNamed() {
        String yaml = AssessSamples.service("shop", "cart", 2) + """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: cart, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: cart}}
                  egress: [{hosts: ["./*"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: mainframe, namespace: shop}
                spec:
                  hosts: [mainframe]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  endpoints: [{address: 10.1.0.7, ports: {http: 8080}}]
                """;
        Assessment a = Assessor.assess(graph(), config(yaml), proxies("shop/cart-1"));
        Assessment.Service cart = service(a, host("cart"));
        assertThat(cart.meshedInstances()).isEqualTo(1);
        assertThat(cart.reasons()).contains("partly meshed: 1 of 2 instances have a proxy; not yet: shop/cart-2",
                "a Sidecar or App gives shop/cart-2 a proxy, but none is connected: start it (ficus up, or ficus proxy --workload NAME)");
        assertThat(workloadOf(a, "shop/cart-1").proxy()).isEqualTo(Assessment.ProxyState.CONNECTED);
        assertThat(workloadOf(a, "shop/cart-1").proxyId()).isEqualTo("pid-cart-1@host");
        assertThat(workloadOf(a, "shop/cart-2").proxy()).isEqualTo(Assessment.ProxyState.CONFIGURED);

        Assessment.Service mainframe = service(a, host("mainframe"));
        assertThat(mainframe.endpoints()).containsExactly("10.1.0.7:8080");
        assertThat(mainframe.verdict()).isEqualTo(Assessment.Verdict.CAUTION);
        assertThat(mainframe.reasons().getFirst()).isEqualTo("instances that are only addresses cannot have a proxy (10.1.0.7:8080): "
                + "declare them as WorkloadEntries that the ServiceEntry's workloadSelector selects");
    }

    @Test
    void workloadsWithoutAServiceAndHostsOnlyTrafficNamesAreUnitsToo() {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: batch, namespace: shop}
                spec: {address: 10.0.0.9, labels: {app: batch}}
                ---
                """ + AssessSamples.service("shop", "web", 1);
        ServiceGraph g = graph(toUnmeshed("shop/web-1", "billing.legacy", 30, 0), mtls("shop/batch", host("web"), "shop/web-1", 5));
        Assessment a = Assessor.assess(g, config(yaml), proxies("shop/web-1"));
        Assessment.Service batch = service(a, "shop/batch");
        assertThat(batch.kind()).isEqualTo(Assessment.Kind.WORKLOAD);
        assertThat(batch.dependsOn()).containsExactly(host("web"));
        assertThat(batch.reasons()).containsExactly("not meshed: no proxy", "serves no service (a client or a job): onboarding it puts its calls under mTLS");
        Assessment.Service billing = service(a, "billing.legacy");
        assertThat(billing.source()).isEqualTo(Assessment.Source.TRAFFIC);
        assertThat(billing.instances()).isZero();
        assertThat(billing.verdict()).isEqualTo(Assessment.Verdict.CAUTION);
        assertThat(billing.reasons()).contains("known only from traffic: no ServiceEntry declares it; declare one before onboarding");
        assertThat(billing.dependents()).containsExactly(host("web"));
        assertThat(workloadOf(a, "shop/web-1").calls()).containsExactly("billing.legacy");
        // billing has a dependent (web), batch has none
        assertThat(steps(a)).containsExactly(List.of("shop/batch"), List.of("billing.legacy"));
    }

    @Test
    void proxiesTheGraphCouldNotReadAreNoted() {
        ServiceGraph g = graph(List.of(), List.of(
                new ServiceGraph.ProxyState("1@vm", List.of("web-1"), "shop", "127.0.0.1:15000", 0, null, 0, "connection refused"),
                new ServiceGraph.ProxyState("2@vm", List.of("db-1"), "shop", "127.0.0.1:15001", 1, Instant.EPOCH, 0, null)));
        ConfigSet c = config(AssessSamples.service("shop", "web", 1) + AssessSamples.service("shop", "db", 1));
        Assessment a = Assessor.assess(g, c, proxies("shop/web-1", "shop/db-1"));
        assertThat(a.notes()).startsWith("proxy 1@vm (shop/web-1) could not be read: connection refused; its traffic is missing here",
                "proxy 2@vm (shop/db-1) was read once so far: its traffic shows from the next scrape");
        assertThat(a.summary().proxiesRead()).isEqualTo(1);
        assertThat(a.summary().proxies()).isEqualTo(2);
    }
}
