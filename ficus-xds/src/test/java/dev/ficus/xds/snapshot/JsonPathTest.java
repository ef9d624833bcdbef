package dev.ficus.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The JSON paths of a parallel run's ignore list: what parses, and that text and steps agree. */
class JsonPathTest {
    @Test
    void dotsBracketsIndexesAndWildcards() {
        assertThat(JsonPath.parse("$").steps()).isEmpty();
        assertThat(JsonPath.parse("$.items[*].id").steps()).containsExactly(new JsonPath.Field("items"), new JsonPath.Wildcard(), new JsonPath.Field("id"));
        assertThat(JsonPath.parse("$['a key'][3].*").steps()).containsExactly(new JsonPath.Field("a key"), new JsonPath.Index(3), new JsonPath.Wildcard());
        assertThat(JsonPath.parse("$[\"it's\"]").steps()).containsExactly(new JsonPath.Field("it's"));
        assertThat(JsonPath.parse("$['a\\'b']").toString()).isEqualTo("$['a\\'b']");
        assertThat(JsonPath.parse("$['plain']").toString()).isEqualTo("$.plain");
    }

    @Test
    void malformedPathsSayWhereAndWhat() {
        assertThatThrownBy(() -> JsonPath.parse("items")).hasMessageContaining("a path starts with $");
        assertThatThrownBy(() -> JsonPath.parse("$.items[")).hasMessageContaining("offset 8");
        assertThatThrownBy(() -> JsonPath.parse("$.")).hasMessageContaining("a name after '.'");
        assertThatThrownBy(() -> JsonPath.parse("$['open")).hasMessageContaining("the closing '");
        assertThatThrownBy(() -> JsonPath.parse("$[1")).hasMessageContaining("']'");
        assertThatThrownBy(() -> JsonPath.parse("$x")).hasMessageContaining("'.' or '['");
    }

    @Property
    void theTextFormParsesBackToTheSamePath(@ForAll("paths") JsonPath p) {
        assertThat(JsonPath.parse(p.toString())).isEqualTo(p);
    }

    @Provide
    Arbitrary<JsonPath> paths() {
        Arbitrary<JsonPath.Step> field = Arbitraries.strings().ofMinLength(0).ofMaxLength(6).map(JsonPath.Field::new);
        Arbitrary<JsonPath.Step> index = Arbitraries.integers().between(0, 1_000_000).map(JsonPath.Index::new);
        Arbitrary<JsonPath.Step> any = Arbitraries.just(new JsonPath.Wildcard());
        return Arbitraries.oneOf(field, index, any).list().ofMaxSize(6).map(JsonPath::new);
    }

    @Test
    void thenAddsAStep() {
        assertThat(JsonPath.ROOT.then(new JsonPath.Field("a")).then(new JsonPath.Index(0))).isEqualTo(JsonPath.parse("$.a[0]"));
        assertThat(JsonPath.parse("$.a").steps()).isEqualTo(List.of(new JsonPath.Field("a")));
    }
}
