package dev.ficus.control.assess;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ficus.control.graph.ServiceGraph;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.ficus.control.assess.AssessSamples.config;
import static dev.ficus.control.assess.AssessSamples.graph;
import static dev.ficus.control.assess.AssessSamples.host;
import static dev.ficus.control.assess.AssessSamples.http;
import static dev.ficus.control.assess.AssessSamples.proxies;
import static dev.ficus.control.assess.AssessSamples.toUnmeshed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The assessment as {@code /v1/assess} writes it and {@code ficus assess} prints it. */
class AssessmentFormatsTest {

    /** client (meshed, no service) → backend (meshed) over mTLS, an unmeshed caller in plaintext; client → legacy (no proxy, 1 error in 8). */
    static Assessment sample() {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: client, namespace: shop}
                spec: {address: 127.0.0.1, labels: {app: client}}
                ---
                """ + AssessSamples.service("shop", "backend", 1) + AssessSamples.service("shop", "legacy", 1);
        ServiceGraph g = graph(
                http("shop/client", host("backend"), "shop/backend-1", 40, 0, 31.5, ServiceGraph.Security.MUTUAL_TLS, 1),
                http("unknown", host("backend"), "shop/backend-1", 10, 0, 30, ServiceGraph.Security.PLAINTEXT, 0),
                toUnmeshed("shop/client", host("legacy"), 8, 1));
        return Assessor.assess(g, config(yaml), proxies("shop/client", "shop/backend-1"));
    }

    @Test
    void jsonHasTheDocumentedShape() {
        JsonObject o = JsonParser.parseString(AssessmentJson.write(sample())).getAsJsonObject();
        assertThat(o.keySet()).containsExactly("window", "windowSeconds", "at", "summary", "services", "workloads", "done", "order", "notes");
        assertThat(o.get("window").getAsString()).isEqualTo("5m");
        assertThat(o.get("windowSeconds").getAsInt()).isEqualTo(300);
        assertThat(o.getAsJsonObject("summary").toString())
                .isEqualTo("{\"services\":3,\"meshedServices\":2,\"workloads\":3,\"meshedWorkloads\":2,\"proxies\":2,\"proxiesRead\":0}");

        JsonArray services = o.getAsJsonArray("services");
        assertThat(services.asList()).extracting(e -> e.getAsJsonObject().get("id").getAsString())
                .containsExactly(host("backend"), host("legacy"), "shop/client");
        JsonObject backend = services.get(0).getAsJsonObject();
        assertThat(backend.keySet()).containsExactly("id", "kind", "namespace", "source", "meshed", "meshedInstances", "instances", "workloads",
                "endpoints", "mtls", "traffic", "callers", "dependsOn", "dependents", "transitiveDependents", "verdict", "reasons");
        assertThat(backend.get("meshed").getAsBoolean()).isTrue();
        assertThat(backend.get("mtls").toString()).isEqualTo("{\"mode\":\"PERMISSIVE\",\"observedShare\":0.8}");
        assertThat(backend.get("traffic").toString())
                .isEqualTo("{\"requests\":50,\"rps\":1,\"serverErrors\":0,\"errorRate\":0,\"p99Ms\":31.5,\"tcpBytesPerSecond\":0}");
        assertThat(backend.get("callers").toString()).isEqualTo("[{\"workload\":\"shop/client\",\"meshed\":true,\"security\":\"mutual_tls\",\"requests\":40,\"rps\":0.8},"
                + "{\"workload\":\"unknown\",\"meshed\":false,\"security\":\"plaintext\",\"requests\":10,\"rps\":0.2}]");
        assertThat(backend.get("dependents").toString()).isEqualTo("[\"shop/client\"]");
        assertThat(backend.get("verdict").getAsString()).isEqualTo("meshed");

        JsonObject legacy = services.get(1).getAsJsonObject();
        assertThat(legacy.get("meshed").getAsBoolean()).isFalse();
        assertThat(legacy.get("mtls").toString()).isEqualTo("{\"mode\":\"PERMISSIVE\",\"observedShare\":null}");
        assertThat(legacy.get("verdict").getAsString()).isEqualTo("fix-first");
        assertThat(services.get(2).getAsJsonObject().get("kind").getAsString()).isEqualTo("workload");

        assertThat(o.getAsJsonArray("workloads").asList()).extracting(e -> e.getAsJsonObject().get("id").getAsString())
                .containsExactly("shop/backend-1", "shop/client", "shop/legacy-1");
        JsonObject client = o.getAsJsonArray("workloads").get(1).getAsJsonObject();
        assertThat(client.toString()).isEqualTo("{\"id\":\"shop/client\",\"namespace\":\"shop\",\"name\":\"client\",\"source\":\"config\",\"meshed\":true,"
                + "\"proxy\":\"connected\",\"proxyId\":\"pid-client@host\",\"services\":[\"shop/client\"],"
                + "\"peerAuthentication\":{\"mode\":\"PERMISSIVE\",\"from\":\"default\",\"ports\":{}},"
                + "\"calls\":[\"" + host("backend") + "\",\"" + host("legacy") + "\"]}");
        assertThat(o.get("done").toString()).isEqualTo("[\"" + host("backend") + "\",\"shop/client\"]");
        JsonObject step = o.getAsJsonArray("order").get(0).getAsJsonObject();
        assertThat(step.keySet()).containsExactly("step", "services", "verdict", "reason");
        assertThat(step.get("services").toString()).isEqualTo("[\"" + host("legacy") + "\"]");
    }

    @Test
    void jsonReadsBackToTheSameAssessment() {
        Assessment a = sample();
        String json = AssessmentJson.write(a);
        Assessment back = AssessmentJson.read(json);
        assertThat(back).isEqualTo(a);
        assertThat(AssessmentJson.write(back)).isEqualTo(json);
        Assessment shop = Assessor.assess(AssessorTest.shopTraffic(), config(AssessorTest.SHOP), proxies("shop/web-1"));
        assertThat(AssessmentJson.write(AssessmentJson.read(AssessmentJson.write(shop)))).isEqualTo(AssessmentJson.write(shop));
    }

    @Test
    void somethingElseThanAnAssessmentIsRefusedWithWhatIsWrong() {
        assertThatThrownBy(() -> AssessmentJson.read("{\"window\":\"5m\"}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not a ficus assessment: 'summary' is not an object");
        assertThatThrownBy(() -> AssessmentJson.read("<html>")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theTextSaysWhatIsDoneWhatIsNextAndWhy() {
        assertThat(AssessmentText.write(sample())).isEqualTo("""
                Assessment over the last 5m: 2 of 3 services meshed, 2 of 3 workloads with a proxy, 0 of 2 proxies read

                SERVICE                         KIND      MESHED  MTLS                      RATE  ERRORS  P99 MS  CALLERS  DEPENDENTS  VERDICT
                backend.shop.svc.cluster.local  service      1/1  PERMISSIVE, 80% mTLS  1.00 rps    0.0%    31.5        2           1  meshed
                legacy.shop.svc.cluster.local   service      0/1  PERMISSIVE            0.16 rps   12.5%    20.0        1           1  fix first
                shop/client                     workload     1/1  PERMISSIVE                   -       -       -        0           0  meshed

                Dependencies (caller → what it calls):
                  shop/client → backend.shop.svc.cluster.local, legacy.shop.svc.cluster.local
                  unknown → backend.shop.svc.cluster.local   (callers without a proxy the mesh cannot name)

                Readiness:
                  backend.shop.svc.cluster.local: meshed
                    - meshed: every instance has a proxy (1 of 1)
                    - plaintext callers: unknown (clients without a proxy the mesh cannot name) — they keep working while it is PERMISSIVE; STRICT waits until they are meshed
                  legacy.shop.svc.cluster.local: fix first
                    - error rate 12.5% — fix before onboarding, or the mesh's numbers will carry it
                    - not meshed: 0 of 1 instance has a proxy
                  shop/client: meshed
                    - meshed: its proxy is connected

                Already meshed: backend.shop.svc.cluster.local, shop/client

                Onboarding order (what a service calls first, then the least critical: fewest dependents, least traffic):
                  1. legacy.shop.svc.cluster.local  [fix first]
                     calls nothing the mesh has seen (its own calls show once it has a proxy); 1 dependent (shop/client); 0.16 rps; fix first: error rate 12.5% — fix before onboarding, or the mesh's numbers will carry it

                Notes:
                  - calls between workloads without a proxy are invisible to the mesh: the order treats them as independent; assess again after each step
                """);
    }

    @Test
    void aCycleIsOneStepAndAnEmptyMeshSaysSo() {
        String text = AssessmentText.write(Assessor.assess(graph(), config(""), List.of()));
        assertThat(text).isEqualTo("""
                Assessment over the last 5m: 0 of 0 services meshed, 0 of 0 workloads with a proxy, 0 of 0 proxies read

                no services or workloads in the configuration, and no traffic

                Notes:
                  - no traffic in the last 5m: dependencies and rates are unknown, the order follows the config alone
                """);
        String yaml = AssessSamples.service("shop", "a", 1) + AssessSamples.service("shop", "b", 1);
        ServiceGraph g = graph(http("shop/a-1", host("b"), "shop/b-1", 10, 0, 5, ServiceGraph.Security.PLAINTEXT, 0),
                http("shop/b-1", host("a"), "shop/a-1", 10, 0, 5, ServiceGraph.Security.PLAINTEXT, 0));
        assertThat(AssessmentText.write(Assessor.assess(g, config(yaml), List.of())))
                .contains("\n  1. " + host("a") + " + " + host("b") + "  [ready]\n     " + host("a") + ", " + host("b") + " call each other: onboard them together;");
    }
}
