package dev.ficus.proxy.parallelrun;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.ficus.xds.snapshot.JsonPath;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.arbitraries.ListArbitrary;
import org.junit.jupiter.api.Test;

/** The structural JSON comparison of parallel runs, over generated documents. */
class JsonDiffPropertiesTest {

    // ---- generated documents

    @Provide
    Arbitrary<JsonElement> documents() {
        return value(4);
    }

    private Arbitrary<JsonElement> value(int depth) {
        Arbitrary<JsonElement> leaf = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(8).map(JsonPrimitive::new),
                Arbitraries.integers().between(-1000, 1000).map(JsonPrimitive::new),
                Arbitraries.doubles().between(-1e6, 1e6).ofScale(3).map(JsonPrimitive::new),
                Arbitraries.of(true, false).map(JsonPrimitive::new),
                Arbitraries.just(JsonNull.INSTANCE));
        if (depth == 0) return leaf;
        Arbitrary<JsonElement> child = Arbitraries.lazy(() -> value(depth - 1));
        ListArbitrary<JsonElement> elements = child.list().ofMaxSize(4);
        Arbitrary<JsonElement> array = elements.map(l -> {
            JsonArray a = new JsonArray();
            l.forEach(a::add);
            return a;
        });
        Arbitrary<JsonElement> object = Arbitraries.maps(Arbitraries.strings().withCharRange('a', 'e').ofMinLength(1).ofMaxLength(3), child)
                .ofMaxSize(4).map(m -> {
                    JsonObject o = new JsonObject();
                    m.forEach(o::add);
                    return o;
                });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, leaf), net.jqwik.api.Tuple.of(2, array), net.jqwik.api.Tuple.of(2, object));
    }

    /** The same value with every object's members in another order, and numbers spelled differently. */
    static JsonElement reordered(JsonElement e, Random random) {
        if (e instanceof JsonObject o) {
            List<Map.Entry<String, JsonElement>> entries = new ArrayList<>(o.entrySet());
            Collections.shuffle(entries, random);
            JsonObject out = new JsonObject();
            for (var x : entries) out.add(x.getKey(), reordered(x.getValue(), random));
            return out;
        }
        if (e instanceof JsonArray a) {
            JsonArray out = new JsonArray();
            for (JsonElement x : a) out.add(reordered(x, random));
            return out;
        }
        if (e instanceof JsonPrimitive p && p.isNumber()) { // 12 → 12.000 or 1.2E+1: the same number
            BigDecimal d = p.getAsBigDecimal();
            return new JsonPrimitive(random.nextBoolean() ? d.setScale(Math.max(d.scale(), 0) + 3) : new BigDecimal(d.unscaledValue(), d.scale()).stripTrailingZeros());
        }
        return e.deepCopy();
    }

    /** Every path in a document, with the value there. */
    static void paths(JsonElement e, JsonPath at, Map<JsonPath, JsonElement> out) {
        out.put(at, e);
        if (e instanceof JsonObject o) for (var x : o.entrySet()) paths(x.getValue(), at.then(new JsonPath.Field(x.getKey())), out);
        if (e instanceof JsonArray a) for (int i = 0; i < a.size(); i++) paths(a.get(i), at.then(new JsonPath.Index(i)), out);
    }

    static JsonElement replaceAt(JsonElement root, List<JsonPath.Step> steps, JsonElement with) {
        if (steps.isEmpty()) return with;
        JsonElement copy = root.deepCopy();
        JsonElement parent = copy;
        for (int i = 0; i < steps.size() - 1; i++) parent = child(parent, steps.get(i));
        JsonPath.Step last = steps.getLast();
        if (last instanceof JsonPath.Field f) parent.getAsJsonObject().add(f.name(), with);
        else parent.getAsJsonArray().set(((JsonPath.Index) last).index(), with);
        return copy;
    }

    static JsonElement child(JsonElement e, JsonPath.Step s) {
        return s instanceof JsonPath.Field f ? e.getAsJsonObject().get(f.name()) : e.getAsJsonArray().get(((JsonPath.Index) s).index());
    }

    // ---- properties

    @Property
    void aValueEqualsItselfWhateverTheOrderOfKeysAndTheSpellingOfNumbers(@ForAll("documents") JsonElement doc, @ForAll long seed) {
        JsonElement other = reordered(doc, new Random(seed));
        assertThat(JsonDiff.diff(doc, other)).isEmpty();
        assertThat(JsonDiff.diff(JsonParser.parseString(doc.toString()), JsonParser.parseString(other.toString()))).isEmpty();
    }

    @Property
    void aPlantedChangeIsReportedAtExactlyThatPath(@ForAll("documents") JsonElement doc, @ForAll long seed) {
        Map<JsonPath, JsonElement> all = new java.util.LinkedHashMap<>();
        paths(doc, JsonPath.ROOT, all);
        List<JsonPath> where = new ArrayList<>(all.keySet());
        JsonPath at = where.get(new Random(seed).nextInt(where.size()));
        JsonElement planted = new JsonPrimitive("planted-" + seed); // no generated value is this string
        JsonElement changed = replaceAt(doc, at.steps(), planted);
        List<Difference> found = JsonDiff.diff(doc, changed);
        assertThat(found).extracting(Difference::path).containsExactly(at.toString());
        assertThat(found.getFirst().other()).isEqualTo("\"planted-" + seed + "\"");
    }

    @Property
    void ignoredPathsAreNeverReported(@ForAll("documents") JsonElement a, @ForAll("documents") JsonElement b, @ForAll long seed) {
        Map<JsonPath, JsonElement> all = new java.util.LinkedHashMap<>();
        paths(a, JsonPath.ROOT, all);
        paths(b, JsonPath.ROOT, all);
        List<JsonPath> where = new ArrayList<>(all.keySet());
        Random random = new Random(seed);
        List<JsonPath> ignore = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonPath p = where.get(random.nextInt(where.size()));
            if (p.steps().isEmpty()) continue;
            // sometimes with a wildcard for one step
            List<JsonPath.Step> steps = new ArrayList<>(p.steps());
            if (random.nextBoolean()) steps.set(random.nextInt(steps.size()), new JsonPath.Wildcard());
            ignore.add(new JsonPath(steps));
        }
        List<Difference> found = new ArrayList<>();
        JsonDiff.diff(a, b, ignore, 10_000, found);
        for (Difference d : found) {
            JsonPath p = JsonPath.parse(d.path());
            for (JsonPath i : ignore) assertThat(covers(i, p)).as("%s is ignored by %s", p, i).isFalse();
        }
    }

    /** Whether ignore path {@code i} is {@code p} or one of its ancestors. */
    static boolean covers(JsonPath i, JsonPath p) {
        if (i.steps().size() > p.steps().size()) return false;
        for (int k = 0; k < i.steps().size(); k++) {
            JsonPath.Step s = i.steps().get(k);
            if (!(s instanceof JsonPath.Wildcard) && !s.equals(p.steps().get(k))) return false;
        }
        return true;
    }

    @Property
    void differencesAreSymmetricInWhere(@ForAll("documents") JsonElement a, @ForAll("documents") JsonElement b) {
        assertThat(JsonDiff.diff(a, b).stream().map(Difference::path).sorted().toList())
                .isEqualTo(JsonDiff.diff(b, a).stream().map(Difference::path).sorted().toList());
    }

    // ---- examples

    @Test
    void membersOnOneSideOnlyAreReportedAsAbsentOnTheOther() {
        List<Difference> d = JsonDiff.diff(JsonParser.parseString("{\"a\":1,\"list\":[1,2]}"), JsonParser.parseString("{\"b\":null,\"list\":[1,2,3]}"));
        assertThat(d).containsExactly(
                new Difference("$.a", List.of("$", "$.a"), "1", null),
                new Difference("$.list[2]", List.of("$", "$.list", "$.list[*]"), null, "3"),
                new Difference("$.b", List.of("$", "$.b"), null, "null"));
    }

    @Test
    void numbersCompareByValueAndOtherTypesNever() {
        assertThat(JsonDiff.diff(JsonParser.parseString("[1, 1.50, 100]"), JsonParser.parseString("[1.0, 1.5, 1e2]"))).isEmpty();
        assertThat(JsonDiff.diff(JsonParser.parseString("[1, true, null]"), JsonParser.parseString("[\"1\", \"true\", \"null\"]")))
                .extracting(Difference::path).containsExactly("$[0]", "$[1]", "$[2]");
    }

    @Test
    void anIgnoredPathHidesItsSubtreeAndWildcardsMatchEveryElement() {
        String a = "{\"generatedAt\":{\"s\":1},\"items\":[{\"id\":1,\"n\":\"x\"},{\"id\":2,\"n\":\"y\"}]}";
        String b = "{\"generatedAt\":{\"s\":2},\"items\":[{\"id\":7,\"n\":\"x\"},{\"id\":8,\"n\":\"z\"}]}";
        List<Difference> d = new ArrayList<>();
        JsonDiff.diff(JsonParser.parseString(a), JsonParser.parseString(b), List.of(JsonPath.parse("$.generatedAt"), JsonPath.parse("$.items[*].id")), 100, d);
        assertThat(d).extracting(Difference::path).containsExactly("$.items[1].n");
    }

    @Test
    void longValuesAreCutAndTheListStopsAtItsLimit() {
        String big = "\"" + "x".repeat(500) + "\"";
        List<Difference> d = JsonDiff.diff(JsonParser.parseString("[" + big + "]"), JsonParser.parseString("[1]"));
        assertThat(d.getFirst().stable()).hasSize(JsonDiff.MAX_VALUE_CHARS + 1).endsWith("…");
        List<Difference> capped = new ArrayList<>();
        JsonDiff.diff(JsonParser.parseString("[1,2,3,4,5]"), JsonParser.parseString("[5,4,3,2,1]"), List.of(), 2, capped);
        assertThat(capped).hasSize(2);
    }

    @Test
    void oddNamesAreQuotedInPaths() {
        List<Difference> d = JsonDiff.diff(JsonParser.parseString("{\"a b\":{\"it's\":1}}"), JsonParser.parseString("{\"a b\":{\"it's\":2}}"));
        assertThat(d.getFirst().path()).isEqualTo("$['a b']['it\\'s']");
        assertThat(JsonPath.parse(d.getFirst().path()).steps()).containsExactly(new JsonPath.Field("a b"), new JsonPath.Field("it's"));
    }
}
