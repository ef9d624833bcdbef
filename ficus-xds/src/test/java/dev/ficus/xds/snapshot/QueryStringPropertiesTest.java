package dev.ficus.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The query-string reader against a plain transcription of Envoy's {@code QueryParamsMulti::parseQueryString}. */
class QueryStringPropertiesTest {
    static final List<String> NAMES = List.of("", "a", "b", "ab", "a=b", "%61", "A");

    /** Envoy's algorithm, written the obvious way: split after '?' (fragment stripped) at '&', name up to the first '='. */
    static List<String[]> envoy(String target) {
        int q = target.indexOf('?');
        List<String[]> out = new ArrayList<>();
        if (q < 0) return out;
        String data = target.substring(q + 1);
        int hash = data.indexOf('#');
        if (hash >= 0) data = data.substring(0, hash);
        int start = 0;
        while (start < data.length()) {
            int end = data.indexOf('&', start);
            if (end < 0) end = data.length();
            String param = data.substring(start, end);
            int eq = param.indexOf('=');
            out.add(eq >= 0 ? new String[] {param.substring(0, eq), param.substring(eq + 1)} : new String[] {param, ""});
            start = end + 1;
        }
        return out;
    }

    static String envoyFirst(String target, String name) {
        for (String[] p : envoy(target)) if (p[0].equals(name)) return p[1];
        return null;
    }

    @Provide
    Arbitrary<String> targets() {
        return Arbitraries.strings().withChars("ab=&?#%6A1/").ofMinLength(0).ofMaxLength(40);
    }

    @Property(tries = 2000)
    void firstValuesAreEnvoys(@ForAll("targets") String target) {
        QueryString qs = new QueryString().reset(target);
        for (String name : NAMES) assertThat(qs.first(name)).as("%s in %s", name, target).isEqualTo(envoyFirst(target, name));
        assertThat(qs.size()).isEqualTo(envoy(target).size());
    }

    @Property(tries = 300)
    void oneInstanceReusedAcrossRequestsAnswersAsAFreshOne(@ForAll("requests") List<String> targets) {
        QueryString shared = new QueryString();
        for (String t : targets) {
            shared.reset(t);
            for (String name : NAMES) assertThat(shared.first(name)).isEqualTo(QueryString.first(t, name));
        }
    }

    @Provide
    Arbitrary<List<String>> requests() {
        Arbitrary<String> many = Arbitraries.integers().between(0, 40).map(n -> "/p?" + "a=1&".repeat(n) + "b=2");
        return Arbitraries.oneOf(targets(), many).list().ofMaxSize(8);
    }

    @Example
    void valuesStayPercentEncodedAndTheFirstOfARepeatedNameWins() {
        assertThat(QueryString.first("/s?q=a%20b&q=c", "q")).isEqualTo("a%20b");
        assertThat(QueryString.first("/s?q=%32", "q")).as("not decoded: a match for '2' must not see it").isEqualTo("%32");
        assertThat(QueryString.first("/s?%71=x", "q")).as("names are not decoded either").isNull();
        assertThat(QueryString.first("/s?flag", "flag")).isEqualTo("");
        assertThat(QueryString.first("/s?flag=", "flag")).isEqualTo("");
        assertThat(QueryString.first("/s?a=b=c", "a")).isEqualTo("b=c");
        assertThat(QueryString.first("/s?a=1#frag", "a")).isEqualTo("1");
        assertThat(QueryString.first("/s", "a")).isNull();
        assertThat(QueryString.first("/s?", "")).isNull();
        assertThat(new QueryString().reset("/s?a&&b&").size()).as("an empty piece between two '&' counts, a trailing '&' adds none").isEqualTo(3);
    }

    @Example
    void aQueryOfManyPiecesIsReadInOnePass() {
        String target = "/p?" + "&".repeat(200_000) + "last=1";
        long start = System.nanoTime();
        assertThat(QueryString.first(target, "last")).isEqualTo("1");
        assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds: a quadratic scan would take seconds").isLessThan(2_000);
    }
}
