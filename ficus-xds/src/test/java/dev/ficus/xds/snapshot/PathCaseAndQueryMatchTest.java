package dev.ficus.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;

/** Route matches on query parameters, ignoring the path's case, and on the :method and :scheme pseudo-headers. */
class PathCaseAndQueryMatchTest {

    /** A request as route matching sees it; counts query lookups to show when the query is read. */
    static final class Req implements RequestAttributes {
        final String method, target, scheme;
        final Map<String, String> headers;
        int queryLookups;

        Req(String method, String target, String scheme, Map<String, String> headers) {
            this.method = method;
            this.target = target;
            this.scheme = scheme;
            this.headers = headers;
        }

        static Req get(String target) { return new Req("GET", target, "http", Map.of()); }

        @Override public String method() { return method; }
        @Override public String path() { int q = target.indexOf('?'); return q < 0 ? target : target.substring(0, q); }
        @Override public String header(String n) { return n.equals(":method") ? method : n.equals(":scheme") ? scheme : headers.get(n); }
        @Override public String queryParam(String name) { queryLookups++; return QueryString.first(target, name); }
    }

    static String asciiLower(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        return b.toString();
    }

    @Property(tries = 2000)
    void ignoringCaseFoldsAsciiLettersOnly(@ForAll @StringLength(max = 6) @Chars({'a', 'A', 'z', 'Z', '[', '{', '@', '`', '/', 'é', 'É', '1'}) String value,
                                           @ForAll @StringLength(max = 8) @Chars({'a', 'A', 'z', 'Z', '[', '{', '@', '`', '/', 'é', 'É', '1'}) String candidate) {
        assertThat(new StringMatch.Exact(value).matchesIgnoreCase(candidate)).isEqualTo(asciiLower(value).equals(asciiLower(candidate)));
        assertThat(new StringMatch.Prefix(value).matchesIgnoreCase(candidate)).isEqualTo(asciiLower(candidate).startsWith(asciiLower(value)));
        // without the flag nothing changes
        assertThat(new StringMatch.Exact(value).matches(candidate)).isEqualTo(value.equals(candidate));
    }

    @Property(tries = 500)
    void aRegexIgnoresTheFlag(@ForAll @StringLength(min = 1, max = 5) @CharRange(from = 'a', to = 'c') String s) {
        StringMatch.Regex r = new StringMatch.Regex(s);
        assertThat(r.matchesIgnoreCase(s.toUpperCase())).isFalse();
        assertThat(r.matchesIgnoreCase(s)).isTrue();
    }

    @Example
    void ignoreCaseAppliesToTheRouteMatchsPathOnly() {
        RouteMatch exact = new RouteMatch(new StringMatch.Exact("/Api/Items"), List.of(), null).ignoringCase();
        assertThat(exact.matches(Req.get("/API/ITEMS?x=1"))).isTrue();
        assertThat(exact.matches(Req.get("/api/items/1"))).isFalse();
        assertThat(RouteMatch.prefix("/Api").ignoringCase().matches(Req.get("/aPI/v1"))).isTrue();
        assertThat(RouteMatch.prefix("/Api").matches(Req.get("/aPI/v1"))).isFalse();
        RouteMatch header = RouteMatch.prefix("/").ignoringCase().withHeaders(new HeaderMatch("x-env", new StringMatch.Exact("Prod")));
        assertThat(header.matches(new Req("GET", "/", "http", Map.of("x-env", "prod")))).as("header values keep their case").isFalse();
    }

    @Example
    void queryParamsMustAllHoldOnTheFirstRawValue() {
        RouteMatch m = RouteMatch.prefix("/").withQueryParams(
                new QueryParamMatch("v", new StringMatch.Exact("2")),
                new QueryParamMatch("id", new StringMatch.Regex("[0-9]+")),
                new QueryParamMatch("debug", new StringMatch.Present()));
        assertThat(m.matches(Req.get("/x?v=2&id=42&debug"))).isTrue();
        assertThat(m.matches(Req.get("/x?debug=&id=7&v=2"))).isTrue();
        assertThat(m.matches(Req.get("/x?v=2&id=42"))).as("debug absent").isFalse();
        assertThat(m.matches(Req.get("/x?v=2&id=4a2&debug"))).as("a regex matches the whole value").isFalse();
        assertThat(m.matches(Req.get("/x?v=%32&id=42&debug"))).as("values are not percent-decoded").isFalse();
        assertThat(m.matches(Req.get("/x?v=3&v=2&id=42&debug"))).as("the first value counts").isFalse();
    }

    @Example
    void aRouteWithoutQueryMatchesNeverReadsTheQuery() {
        Req r = Req.get("/x?v=2");
        assertThat(RouteMatch.prefix("/x").matches(r)).isTrue();
        assertThat(r.queryLookups).isZero();
        RouteMatch q = RouteMatch.prefix("/y").withQueryParams(new QueryParamMatch("v", new StringMatch.Exact("2")));
        assertThat(q.matches(r)).isFalse();
        assertThat(r.queryLookups).as("the path failed first").isZero();
    }

    @Example
    void methodAndSchemeArePseudoHeaders() {
        RouteMatch writes = RouteMatch.ANY.withHeaders(new HeaderMatch(":method", new StringMatch.Prefix("P")));
        assertThat(writes.matches(new Req("POST", "/", "http", Map.of()))).isTrue();
        assertThat(writes.matches(new Req("PATCH", "/", "http", Map.of()))).isTrue();
        assertThat(writes.matches(new Req("GET", "/", "http", Map.of()))).isFalse();
        RouteMatch tls = RouteMatch.ANY.withHeaders(new HeaderMatch(":scheme", new StringMatch.Exact("https")));
        assertThat(tls.matches(new Req("GET", "/", "https", Map.of()))).isTrue();
        assertThat(tls.matches(new Req("GET", "/", "http", Map.of()))).isFalse();
    }
}
