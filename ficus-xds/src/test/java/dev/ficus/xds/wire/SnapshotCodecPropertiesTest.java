package dev.ficus.xds.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HeaderMatch;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.HealthStatus;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.StringMatch;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/** Any text and any numbers a resource may hold survive the wire, and equal values hash alike. */
class SnapshotCodecPropertiesTest {

    @Property
    void anyLabelsAndAddressesRoundTrip(@ForAll @StringLength(min = 1, max = 40) String host, @ForAll @IntRange(max = 65535) int port,
                                        @ForAll @IntRange(min = 1) int weight, @ForAll @Size(max = 8) Map<String, String> labels,
                                        @ForAll HealthStatus health) {
        Endpoint e = new Endpoint(new HostPort(host, port), weight, labels, health);
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(e), Endpoint.class)).isEqualTo(e);
        // the same labels inserted in reverse encode alike
        Map<String, String> reversed = new LinkedHashMap<>();
        List<String> keys = List.copyOf(labels.keySet()).reversed();
        for (String k : keys) reversed.put(k, labels.get(k));
        assertThat(SnapshotCodec.hash(new Endpoint(e.address(), weight, reversed, health))).isEqualTo(SnapshotCodec.hash(e));
    }

    @Property
    void anyHeaderTextRoundTrips(@ForAll("matches") StringMatch match, @ForAll String name, @ForAll String value, @ForAll boolean invert) {
        HeaderMatch m = new HeaderMatch(name, match, invert);
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(m), HeaderMatch.class)).isEqualTo(m);
        HeaderMutations h = new HeaderMutations(List.of(name), List.of(new HeaderMutations.Header(name, value)), List.of());
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(h), HeaderMutations.class)).isEqualTo(h);
    }

    @Provide
    Arbitrary<StringMatch> matches() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(20);
        return Arbitraries.oneOf(text.map(StringMatch.Exact::new), text.map(StringMatch.Prefix::new),
                text.map(t -> new StringMatch.Regex(com.google.re2j.Pattern.quote(t))), Arbitraries.just(new StringMatch.Present()));
    }

    @Property
    void anyDurationRoundTrips(@ForAll long seconds, @ForAll @IntRange(max = 999_999_999) int nanos) {
        Duration d = Duration.ofSeconds(seconds, nanos);
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(new Wrapper(d)), Wrapper.class)).isEqualTo(new Wrapper(d));
    }

    record Wrapper(Duration d) {}
}
