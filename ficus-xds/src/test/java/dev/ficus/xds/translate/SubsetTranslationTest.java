package dev.ficus.xds.translate;

import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.LbPolicy;
import dev.ficus.xds.snapshot.ProxySnapshot;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** DestinationRule subsets as clusters: a subset without labels holds every endpoint of its host, as in Istio. */
class SubsetTranslationTest {

    @Test
    void aSubsetWithoutLabelsHoldsEveryEndpointWithItsOwnPolicy() {
        String yaml = TranslatorTest.SHOP
                .replace("  - {name: v2, labels: {version: v2}, trafficPolicy: {loadBalancer: {simple: RANDOM}}}\n",
                        "  - {name: v2, labels: {version: v2}, trafficPolicy: {loadBalancer: {simple: RANDOM}}}\n"
                                + "  - {name: every, trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}}\n")
                .replace("route: [{destination: {host: reviews, subset: v2}}]", "route: [{destination: {host: reviews, subset: every}}]");
        assertThat(yaml).contains("name: every").contains("subset: every");
        ProxySnapshot s = TranslatorTest.translate(yaml, TranslatorTest.FRONTEND).snapshot();
        ClusterConfig every = s.clusters().get("outbound|9080|every|reviews.shop.svc.cluster.local");
        assertThat(every).isNotNull();
        assertThat(every.endpoints()).extracting(Endpoint::address)
                .containsExactlyInAnyOrder(new HostPort("127.0.0.11", 19080), new HostPort("127.0.0.12", 9080));
        assertThat(every.lbPolicy()).isEqualTo(LbPolicy.LEAST_REQUEST);
        assertThat(s.clusters().get("outbound|9080|v1|reviews.shop.svc.cluster.local").endpoints()).extracting(Endpoint::address)
                .as("a labelled subset still selects").containsExactly(new HostPort("127.0.0.11", 19080));
    }
}
