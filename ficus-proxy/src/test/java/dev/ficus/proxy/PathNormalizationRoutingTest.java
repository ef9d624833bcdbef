package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.RawHttp;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests are routed, and forwarded, by their normalized path (Istio's default, BASE): a route
 * that guards {@code /admin} cannot be walked around with dot segments or escapes, and the
 * application receives the path the route saw.
 */
class PathNormalizationRoutingTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    @Test
    void aGuardedPathCannotBeWalkedAroundAndTheUpstreamGetsTheNormalizedPath() throws Exception {
        FakeUpstream app = FakeUpstream.start("app");
        closeLater.add(app);
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(
                        new Route("guard", RouteMatch.prefix("/admin"), new RouteAction.DirectResponse(403, "blocked by mesh\n")),
                        new Route("app", RouteMatch.ANY, RouteAction.Forward.to("app"))))
                .cluster(Snapshots.cluster(app)).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start();
        closeLater.add(p);
        int port = p.listenerPort("main");

        for (String path : List.of("/admin/users", "/x/../admin/users", "/%61dmin/users", "/./admin/users", "/%2e%2e/admin/users", "/x\\..\\admin")) {
            String answer = RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
            assertThat(RawHttp.status(answer)).as(path).isEqualTo(403);
        }
        assertThat(app.requestCount()).isZero();

        String answer = RawHttp.exchange(port, "GET /static/../public/%7euser/x?next=/../y HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
        assertThat(RawHttp.status(answer)).isEqualTo(200);
        assertThat(app.seen()).singleElement().satisfies(seen -> assertThat(seen.path()).isEqualTo("/public/~user/x?next=/../y"));

        String refused = RawHttp.exchange(port, "GET /a%00b HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
        assertThat(RawHttp.status(refused)).isEqualTo(400);
        assertThat(refused).containsIgnoringCase("x-ficus-error: DPE");
        assertThat(p.stats().listener("main").responses(ResponseFlag.DPE)).isEqualTo(1);
    }
}
