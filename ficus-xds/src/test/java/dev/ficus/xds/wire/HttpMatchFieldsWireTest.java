package dev.ficus.xds.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.HeaderMatch;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.QueryParamMatch;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.SnapshotJson;
import dev.ficus.xds.snapshot.StringMatch;
import dev.ficus.xds.snapshot.WeightedCluster;
import dev.ficus.xds.translate.HttpMatchFieldsTranslationTestAccess;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Query matches, case-insensitive paths, per-destination edits and redirect ports cross the wire and show in /config_dump. */
class HttpMatchFieldsWireTest {

    static Route full() {
        RouteMatch m = new RouteMatch(new StringMatch.Prefix("/Api"), List.of(new HeaderMatch(":scheme", new StringMatch.Exact("https"))), null,
                List.of(new QueryParamMatch("v", new StringMatch.Exact("2")), new QueryParamMatch("id", new StringMatch.Regex("[0-9]+")),
                        new QueryParamMatch("debug", new StringMatch.Present())), true);
        HeaderMutations edits = new HeaderMutations(List.of("x-drop"), List.of(new HeaderMutations.Header("x-dest", "a")), List.of());
        return new Route("r", m, new RouteAction.Forward(List.of(new WeightedCluster("a", 1, edits, HeaderMutations.NONE), new WeightedCluster("b", 1))));
    }

    @Test
    void theNewFieldsRoundTrip() {
        Route r = full();
        assertThat(SnapshotCodecTest.roundTrip(r, Route.class)).isEqualTo(r);
        SnapshotCodecTest.roundTrip(new RouteAction.Redirect("https", null, "/n", 308, 8443), RouteAction.class);
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(r), Route.class).match().ignoreCase()).isTrue();
    }

    @Test
    void aSnapshotWithoutThemDecodesToTheirDefaults() {
        RouteMatch m = SnapshotCodec.decode("{\"headers\":[]}", RouteMatch.class);
        assertThat(m.queryParams()).isEmpty();
        assertThat(m.ignoreCase()).isFalse();
        RouteAction.Redirect rd = (RouteAction.Redirect) SnapshotCodec.decode("{\"type\":\"Redirect\",\"status\":301}", RouteAction.class);
        assertThat(rd.port()).isZero();
        WeightedCluster wc = SnapshotCodec.decode("{\"cluster\":\"c\",\"weight\":1}", WeightedCluster.class);
        assertThat(wc.requestHeaders()).isEqualTo(HeaderMutations.NONE);
    }

    @Test
    void aTranslatedSnapshotRoundTripsAndItsDumpShowsTheFields() {
        ProxySnapshot s = HttpMatchFieldsTranslationTestAccess.snapshot();
        assertThat(SnapshotCodec.decodeSnapshot(SnapshotCodec.encodeSnapshot(s))).isEqualTo(s);
        String dump = SnapshotJson.write(s);
        assertThat(dump).contains("\"queryParams\":[{\"name\":\"debug\",\"match\":{\"present\":true}}")
                .contains("\"ignoreCase\":true")
                .contains("{\"name\":\":scheme\",\"match\":{\"exact\":\"https\"}}")
                .contains("\"port\":8443")
                .contains("\"requestHeaders\":{\"remove\":[\"x-drop\"],\"set\":[[\"x-dest\",\"v1\"]],\"add\":[]}");
    }
}
