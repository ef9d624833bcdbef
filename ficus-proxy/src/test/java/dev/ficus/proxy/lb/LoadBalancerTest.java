package dev.ficus.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.xds.snapshot.Endpoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {
    final TrafficStats stats = new TrafficStats("c");

    EndpointRef ep(int port, int weight) {
        return new EndpointRef("c", Endpoint.of("127.0.0.1", port).withWeight(weight), stats);
    }

    static Map<EndpointRef, Integer> draw(Picker p, int n) {
        Map<EndpointRef, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) counts.merge(p.pick(), 1, Integer::sum);
        return counts;
    }

    @Test
    void noHealthyEndpointGivesNoPick() {
        for (LoadBalancer lb : List.of(new RoundRobinLoadBalancer(), new LeastRequestLoadBalancer(), new RandomLoadBalancer())) {
            assertThat(lb.update(List.of()).pick()).isNull();
        }
    }

    @Test
    void roundRobinFollowsWeightsExactlyAndSmoothly() {
        EndpointRef a = ep(1, 3), b = ep(2, 1);
        Picker p = new RoundRobinLoadBalancer().update(List.of(a, b));
        Map<EndpointRef, Integer> c = draw(p, 400);
        assertThat(c.get(a)).isEqualTo(300);
        assertThat(c.get(b)).isEqualTo(100);
        // smooth: b never waits more than the schedule length (4) for its turn
        int sinceB = 0, worst = 0;
        for (int i = 0; i < 40; i++) {
            if (p.pick() == b) sinceB = 0;
            else worst = Math.max(worst, ++sinceB);
        }
        assertThat(worst).isLessThanOrEqualTo(3);
    }

    @Test
    void roundRobinScalesHugeWeightsIntoABoundedSchedule() {
        EndpointRef a = ep(1, 1_000_000), b = ep(2, 1);
        assertThat(RoundRobinLoadBalancer.schedule(List.of(a, b))).hasSizeLessThanOrEqualTo(RoundRobinLoadBalancer.MAX_SCHEDULE + 2).contains(b);
    }

    @Test
    void leastRequestPrefersTheLessBusyEndpoint() {
        EndpointRef idle = ep(1, 1), busy = ep(2, 1);
        for (int i = 0; i < 10; i++) busy.requestStarted();
        Picker p = new LeastRequestLoadBalancer().update(List.of(idle, busy));
        assertThat(draw(p, 100)).containsOnlyKeys(idle);
    }

    @Test
    void randomFollowsWeightsRoughly() {
        EndpointRef a = ep(1, 9), b = ep(2, 1);
        Map<EndpointRef, Integer> c = draw(new RandomLoadBalancer().update(List.of(a, b)), 10_000);
        // expected 1000 for b, standard deviation 30: bounds are five deviations wide
        assertThat(c.get(b)).isBetween(850, 1150);
    }
}
