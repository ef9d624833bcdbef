package dev.ficus.api.security;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.assertj.core.api.Assertions.assertThat;

/** Istio's principal (and every rule string) match forms: exact, prefix 'x*', suffix '*x', presence '*'. */
class StringMatchTest {

    @Provide
    Arbitrary<String> text() {
        return Arbitraries.strings().withChars("abc./-:").ofMinLength(1).ofMaxLength(12);
    }

    @Property
    void exactMatchesOnlyItself(@ForAll("text") String v, @ForAll("text") String other) {
        StringMatch m = StringMatch.parse(v).orElseThrow();
        assertThat(m.matches(v)).isTrue();
        assertThat(m.matches(other)).isEqualTo(v.equals(other));
    }

    @Property
    void prefixMatchesEveryExtension(@ForAll("text") String prefix, @ForAll("text") String rest) {
        StringMatch m = StringMatch.parse(prefix + "*").orElseThrow();
        assertThat(m.kind()).isEqualTo(StringMatch.Kind.PREFIX);
        assertThat(m.matches(prefix)).isTrue();
        assertThat(m.matches(prefix + rest)).isTrue();
        assertThat(m.matches(rest)).isEqualTo(rest.startsWith(prefix));
    }

    @Property
    void suffixMatchesEveryPrepending(@ForAll("text") String suffix, @ForAll("text") String rest) {
        StringMatch m = StringMatch.parse("*" + suffix).orElseThrow();
        assertThat(m.kind()).isEqualTo(StringMatch.Kind.SUFFIX);
        assertThat(m.matches(rest + suffix)).isTrue();
        assertThat(m.matches(rest)).isEqualTo(rest.endsWith(suffix));
    }

    @Property
    void aStarInTheMiddleIsRefused(@ForAll("text") String a, @ForAll("text") String b) {
        assertThat(StringMatch.parse(a + "*" + b)).isEmpty();
    }

    @Property
    void spellingRoundTrips(@ForAll("text") String v) {
        for (String form : new String[] {v, v + "*", "*" + v, "*"}) {
            assertThat(StringMatch.parse(form).orElseThrow().toString()).isEqualTo(form);
        }
    }

    @Example
    void principalForms() {
        StringMatch ns = StringMatch.parse("cluster.local/ns/shop/sa/*").orElseThrow();
        assertThat(ns.matches("cluster.local/ns/shop/sa/frontend")).isTrue();
        assertThat(ns.matches("cluster.local/ns/other/sa/frontend")).isFalse();
        StringMatch anyDomain = StringMatch.parse("*/ns/shop/sa/frontend").orElseThrow();
        assertThat(anyDomain.matches("example.org/ns/shop/sa/frontend")).isTrue();
        StringMatch presence = StringMatch.parse("*").orElseThrow();
        assertThat(presence.matches("")).isFalse();
        assertThat(presence.matches(null)).isFalse();
        assertThat(StringMatch.parse("*.Example.com").orElseThrow().matchesIgnoreCase("api.example.COM")).isTrue();
    }
}
