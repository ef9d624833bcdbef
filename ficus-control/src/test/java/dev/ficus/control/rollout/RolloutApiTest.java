package dev.ficus.control.rollout;

import com.google.gson.JsonObject;
import dev.ficus.control.graph.EdgeKey;
import dev.ficus.control.graph.ServiceGraph;
import dev.ficus.control.graph.Workload;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What status shows of a strangler: routes migrated, moving, and the share of traffic moved. */
class RolloutApiTest {
    private static ServiceGraph.Edge edge(String service, long requests) {
        return new ServiceGraph.Edge(new Workload("shop", "web"), Workload.UNKNOWN, service, EdgeKey.Protocol.HTTP, EdgeKey.Reporter.SOURCE,
                requests, requests, 0, 0, 0, 0, 1, 2, ServiceGraph.Security.UNKNOWN, Double.NaN, 0, 0, 0, 0, 60);
    }

    @Test
    void aStranglersProgressCountsRoutesAndTraffic() {
        RolloutState st = new RolloutState("shop", "shop", "strangler", "r", Progress.start(0), Map.of(
                "reviews", Progress.start(0).phase(Phase.SUCCEEDED, ""),
                "cart", Progress.start(0).traffic(25, false)), null, List.of());
        var info = new RolloutController.Info("strangler", List.of(), new java.util.LinkedHashMap<>(Map.of("reviews", "reviews/v1")) {{
            put("cart", "cart");
            put("catalog", "catalog");
        }}, "monolith", null, "monolith.shop.svc.cluster.local", List.of("reviews.shop.svc.cluster.local", "cart.shop.svc.cluster.local"));
        ServiceGraph g = new ServiceGraph(Duration.ofMinutes(1), Instant.now(), List.of(), List.of(), List.of(
                edge("monolith.shop.svc.cluster.local", 300), edge("reviews.shop.svc.cluster.local", 80), edge("cart.shop.svc.cluster.local", 20),
                edge("other.shop.svc.cluster.local", 999)));
        JsonObject s = RolloutApi.view(st, info, g).getAsJsonObject("strangler");
        assertThat(s.get("routes").getAsInt()).isEqualTo(3);
        assertThat(s.get("migrated").getAsInt()).isEqualTo(1);
        assertThat(s.get("moving").getAsInt()).isEqualTo(1);
        assertThat(s.getAsJsonObject("table").getAsJsonObject("catalog").get("state").getAsString()).isEqualTo("legacy");
        assertThat(s.getAsJsonObject("table").getAsJsonObject("cart").get("weight").getAsInt()).isEqualTo(25);
        JsonObject t = s.getAsJsonObject("traffic");
        assertThat(t.get("newRequests").getAsLong()).isEqualTo(100);
        assertThat(t.get("legacyRequests").getAsLong()).isEqualTo(300);
        assertThat(t.get("share").getAsDouble()).isEqualTo(0.25);
    }
}
