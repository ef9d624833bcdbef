package dev.ficus.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Istio's BASE path normalization: the examples of Istio's normalization reference, and its invariants over generated paths. */
class PathNormalizationTest {

    @Example
    void istiosExamples() {
        assertThat(PathNormalization.base("/public/./data/abc/../xyz")).isEqualTo("/public/data/xyz");
        assertThat(PathNormalization.base("/some%2fdata/%61%62%63")).as("BASE keeps an encoded slash").isEqualTo("/some%2fdata/abc");
        assertThat(PathNormalization.base("/some\\data")).isEqualTo("/some/data");
        assertThat(PathNormalization.base("/a/../b")).isEqualTo("/b");
        assertThat(PathNormalization.base("/some//data")).as("BASE does not merge slashes").isEqualTo("/some//data");
    }

    @Example
    void waysAroundARouteForAdminAllLeadToIt() {
        for (String p : new String[] {"/x/../admin/users", "/%61dmin/users", "/./admin/users", "/%2e%2e/admin/users", "/x/%2E%2E/admin/users",
                "/x\\..\\admin/users", "/../../admin/users", "/admin/./users"}) {
            assertThat(PathNormalization.base(p)).as(p).isEqualTo("/admin/users");
        }
    }

    @Example
    void edges() {
        assertThat(PathNormalization.base("/a/b/..")).isEqualTo("/a/");
        assertThat(PathNormalization.base("/a/.")).isEqualTo("/a/");
        assertThat(PathNormalization.base("/..")).isEqualTo("/");
        assertThat(PathNormalization.base("/.well-known/x")).isEqualTo("/.well-known/x");
        assertThat(PathNormalization.base("/a..b/c.")).isEqualTo("/a..b/c.");
        assertThat(PathNormalization.base("/%252e%252e/x")).as("decoded once only").isEqualTo("/%252e%252e/x");
        assertThat(PathNormalization.base("/bad%zz/%4")).as("not an escape: kept").isEqualTo("/bad%zz/%4");
        assertThat(PathNormalization.base("/a/../b?next=/../c&x=%61")).as("the query is the application's").isEqualTo("/b?next=/../c&x=%61");
        assertThat(PathNormalization.base("/a%00b")).as("refused").isNull();
        assertThat(PathNormalization.base("*")).isEqualTo("*");
        assertThat(PathNormalization.base("reviews:9080")).isEqualTo("reviews:9080");
    }

    @Example
    void aPlainPathIsTheSameInstance() {
        String p = "/api/v1/reviews/1?x=1";
        assertThat(PathNormalization.base(p)).isSameAs(p);
        String dotted = "/static/app.js";
        assertThat(PathNormalization.base(dotted)).isSameAs(dotted);
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of(".", "..", "a", "b", "%2e", "%2E%2e", "%61", "%2f", "%5C", "x.y", "", "%41b", "%7e", "%zz", "..."),
                Arbitraries.strings().withChars("ab.%2e\\").ofMaxLength(4));
        return segment.list().ofMaxSize(6).map(l -> "/" + String.join("/", l));
    }

    @Property(tries = 1000)
    void normalizingTwiceChangesNothing(@ForAll("paths") String p) {
        String once = PathNormalization.base(p);
        if (once == null) return;
        assertThat(PathNormalization.base(once)).isEqualTo(once);
    }

    @Property(tries = 1000)
    void theResultHasNoDotSegmentsNorBackslashes(@ForAll("paths") String p) {
        String n = PathNormalization.base(p);
        if (n == null) return;
        assertThat(n).startsWith("/").doesNotContain("\\").doesNotContain("/./").doesNotContain("/../")
                .doesNotEndWith("/.").doesNotEndWith("/..");
        assertThat(n.toLowerCase()).doesNotContain("%2e").doesNotContain("%61");
    }
}
