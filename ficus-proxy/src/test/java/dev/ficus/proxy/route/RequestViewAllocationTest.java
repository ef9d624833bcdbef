package dev.ficus.proxy.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.HeaderMatch;
import dev.ficus.xds.snapshot.QueryParamMatch;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.StringMatch;
import dev.ficus.xds.snapshot.VirtualHost;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Route matching on the proxy's request view: the new match kinds cost nothing where a route does not use them. */
class RequestViewAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static double bytesPerSelect(VirtualHost vh, HttpRequest req, String expected) {
        RequestView view = new RequestView();
        int n = 20_000;
        long allocated = 0;
        for (int i = 0; i < 2 * n; i++) { // the first half warms up
            view.reset(req, "http");
            long before = THREADS.getCurrentThreadAllocatedBytes();
            Route r = vh.select(view);
            if (i >= n) allocated += THREADS.getCurrentThreadAllocatedBytes() - before;
            if (!r.name().equals(expected)) throw new AssertionError(r.name());
        }
        return (double) allocated / n;
    }

    @Test
    void routesWithoutQueryMatchesNeverSplitTheQuery() {
        VirtualHost vh = new VirtualHost("v", List.of("*"), List.of(
                new Route("case", new RouteMatch(new StringMatch.Exact("/API/Other"), List.of(), null).ignoringCase(), RouteAction.Forward.to("x")),
                new Route("method", RouteMatch.ANY.withHeaders(new HeaderMatch(":method", new StringMatch.Prefix("P"))), RouteAction.Forward.to("x")),
                new Route("scheme", RouteMatch.ANY.withHeaders(new HeaderMatch(":scheme", new StringMatch.Exact("https"))), RouteAction.Forward.to("x")),
                new Route("query-elsewhere", RouteMatch.prefix("/other").withQueryParams(new QueryParamMatch("v", new StringMatch.Exact("2"))), RouteAction.Forward.to("x")),
                new Route("all", RouteMatch.ANY, RouteAction.Forward.to("y"))));
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/items?v=2&id=" + "9".repeat(50));
        assertThat(bytesPerSelect(vh, req, "all")).as("bytes allocated per route selection").isLessThan(1.0);
    }

    @Test
    void aQueryMatchSplitsOnceAndAllocatesOnlyTheValuesItReads() {
        VirtualHost vh = new VirtualHost("v", List.of("*"), List.of(
                new Route("q", RouteMatch.prefix("/api").withQueryParams(new QueryParamMatch("v", new StringMatch.Exact("2")),
                        new QueryParamMatch("id", new StringMatch.Present())), RouteAction.Forward.to("x"))));
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/items?a=1&b=2&c=3&v=2&id=7");
        assertThat(bytesPerSelect(vh, req, "q")).as("two one-char values read: two small strings").isLessThan(128.0);
    }

    /** A header sent twice is matched, as Envoy matches it, against its values joined with ",". */
    @Test
    void aRepeatedHeaderIsMatchedAsItsValuesJoined() {
        VirtualHost vh = new VirtualHost("v", List.of("*"), List.of(
                new Route("second-alone", RouteMatch.ANY.withHeaders(new HeaderMatch("x-multi", new StringMatch.Exact("b"))), RouteAction.Forward.to("x")),
                new Route("joined", RouteMatch.ANY.withHeaders(new HeaderMatch("x-multi", new StringMatch.Exact("a,b"))), RouteAction.Forward.to("x")),
                new Route("all", RouteMatch.ANY, RouteAction.Forward.to("y"))));
        HttpRequest twice = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        twice.headers().add("x-multi", "a").add("x-multi", "b");
        RequestView view = new RequestView();
        assertThat(vh.select(view.reset(twice, "http")).name()).isEqualTo("joined");
        HttpRequest once = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        once.headers().add("x-multi", "b");
        assertThat(vh.select(view.reset(once, "http")).name()).isEqualTo("second-alone");
    }
}
