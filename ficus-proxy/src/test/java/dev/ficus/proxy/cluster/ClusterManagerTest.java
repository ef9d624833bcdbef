package dev.ficus.proxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.lb.LoadBalancerRegistry;
import dev.ficus.proxy.lb.PickContext;
import dev.ficus.proxy.lb.Picker;
import dev.ficus.proxy.telemetry.StatsRegistry;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import dev.ficus.xds.snapshot.ConsistentHashConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HashPolicy;
import dev.ficus.xds.snapshot.LbPolicy;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterManagerTest {
    final ClusterManager manager = new ClusterManager(LoadBalancerRegistry.defaults(), new StatsRegistry());

    static Picker inner(ClusterRuntime rt) { return ((PublishedPicker) rt.picker()).current(); }

    @Test
    void aSnapshotWithTheSameEndpointsKeepsTheTableAndANewEndpointGetsANewOne() {
        ClusterConfig c = new ClusterConfig("c", List.of(Endpoint.of("127.0.0.1", 1), Endpoint.of("127.0.0.1", 2)), LbPolicy.ROUND_ROBIN,
                ClusterConfig.DEFAULT_CONNECT_TIMEOUT, ConnectionPoolLimits.DEFAULT)
                .withConsistentHash(LbPolicy.MAGLEV, new ConsistentHashConfig(new HashPolicy.SourceIp(), 65537));
        ClusterRuntime first = manager.update(Map.of("c", c)).get("c");
        Picker firstTable = inner(first); // the published picker is shared across snapshots: read what it holds now
        ClusterRuntime second = manager.update(Map.of("c", c.withConnectTimeout(Duration.ofSeconds(3)))).get("c");
        assertThat(second.endpoints()).containsExactlyElementsOf(first.endpoints());
        assertThat(inner(second)).as("same endpoints: the Maglev table is not rebuilt").isSameAs(firstTable);
        assertThat(second.breakers()).as("counts survive the swap").isSameAs(first.breakers());

        ClusterRuntime third = manager.update(Map.of("c", c.withEndpoints(List.of(Endpoint.of("127.0.0.1", 1), Endpoint.of("127.0.0.1", 2), Endpoint.of("127.0.0.1", 3))))).get("c");
        assertThat(inner(third)).isNotSameAs(firstTable);
        PickContext ctx = new PickContext();
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 300; i++) ports.add(third.picker().pick(ctx.reset(null, null, null)).endpoint().address().port());
        assertThat(ports).as("no key: spread at random").containsExactlyInAnyOrder(1, 2, 3);
    }
}
