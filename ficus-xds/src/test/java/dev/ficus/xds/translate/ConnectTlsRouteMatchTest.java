package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.RequestAttributes;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.TcpRoute;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * A CONNECT takes a VirtualService's {@code tls} route by its authority's host, which stands for
 * the server name the client sends in the tunnel: it must match exactly when a TLS listener would
 * match that server name against the route's {@code sniHosts}.
 */
class ConnectTlsRouteMatchTest {
    record Req(String method, String host) implements RequestAttributes {
        @Override public String path() { return "/"; }
        @Override public String header(String n) { return n.equals("host") ? host : n.equals(":method") ? method : null; }
    }

    static boolean connect(List<String> sniHosts, String authority) {
        return TcpRouteTranslator.connectTo(sniHosts).matches(new Req("CONNECT", authority));
    }

    @Property(tries = 800)
    void aConnectMatchesWhenItsHostAsServerNameWould(@ForAll("names") String name, @ForAll("patterns") List<String> sniHosts,
                                                     @ForAll @IntRange(min = 1, max = 65535) int port, @ForAll boolean shout) {
        boolean listener = new TcpRoute("r", sniHosts, RouteAction.Forward.to("c")).matches(name.toLowerCase(Locale.ROOT));
        String host = shout ? name.toUpperCase(Locale.ROOT) : name;
        assertThat(connect(sniHosts, host + ":" + port)).as("%s:%d against %s", host, port, sniHosts).isEqualTo(listener);
        assertThat(connect(sniHosts, host)).as("%s against %s", host, sniHosts).isEqualTo(listener);
    }

    @Example
    void namesAreWholeNotPrefixesNorPatterns() {
        List<String> api = List.of("api.example.com");
        assertThat(connect(api, "api.example.com:443")).isTrue();
        assertThat(connect(api, "api.example.com.evil:443")).isFalse();
        assertThat(connect(api, "xapi.example.com:443")).isFalse();
        assertThat(connect(api, "apixexample.com:443")).as("a dot is a dot, not any character").isFalse();
        assertThat(connect(api, "api.example.com:443x")).isFalse();
        assertThat(connect(List.of("*.example.com"), "a.b.example.com:443")).isTrue();
        assertThat(connect(List.of("*.example.com"), "example.com:443")).isFalse();
        assertThat(connect(List.of("*"), "anything:1")).isTrue();
    }

    @Example
    void onlyTheConnectMethodMatches() {
        RouteMatch m = TcpRouteTranslator.connectTo(List.of("api.example.com"));
        assertThat(m.matches(new Req("GET", "api.example.com:443"))).isFalse();
        assertThat(m.matches(new Req("CONNECT", "api.example.com:443"))).isTrue();
    }

    /** Names from a few labels, so that patterns and names often overlap. */
    @Provide
    Arbitrary<String> names() {
        return Arbitraries.of("a", "b", "api", "x-y", "example", "com", "7").list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
    }

    @Provide
    Arbitrary<List<String>> patterns() {
        Arbitrary<String> one = Arbitraries.oneOf(names(), names().map(n -> "*." + n), Arbitraries.just("*"));
        return one.list().ofMinSize(1).ofMaxSize(3);
    }
}
