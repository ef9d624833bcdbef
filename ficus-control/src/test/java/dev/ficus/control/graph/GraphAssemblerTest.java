package dev.ficus.control.graph;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The graph from crafted scrapes of two proxies (web's, with its outbound side, and reviews',
 * with its inbound side), 30 s apart: which reporter's counts an edge takes, the exact rates,
 * shares and percentiles, and the security of each edge.
 */
class GraphAssemblerTest {
    static final String REVIEWS = "reviews.shop.svc.cluster.local";

    static GraphAssembler.Contribution window(String before, String after, double seconds) throws Exception {
        ProxyHistory h = new ProxyHistory(Duration.ofSeconds(1), Duration.ofMinutes(10));
        h.add(ProxySample.parse(before, 0));
        h.add(ProxySample.parse(after, (long) (seconds * 1e9)));
        ProxyHistory.Window w = h.window(Duration.ofSeconds((long) seconds));
        assertThat(w.seconds()).isEqualTo(seconds);
        return new GraphAssembler.Contribution(w.seconds(), w.latest().bounds(), w.deltas());
    }

    static ServiceGraph.Edge only(List<ServiceGraph.Edge> edges, String source, String service) {
        List<ServiceGraph.Edge> found = edges.stream().filter(e -> e.source().id().equals(source) && e.service().equals(service)).toList();
        assertThat(found).as(source + " → " + service + " in " + edges).hasSize(1);
        return found.getFirst();
    }

    @Test
    void bothReportersSawTheEdgeAndTheDestinationsCountsWin() throws Exception {
        IstioText.Edge src = IstioText.source("shop/web", "shop/reviews-v1", REVIEWS);
        IstioText.Edge dst = IstioText.destination("shop/web", "shop/reviews-v1", REVIEWS);
        // web's proxy: 100 requests before, 400 after (its own view: slightly different durations, no security)
        String webBefore = new IstioText().http(src, 200, "-", "unknown", 100, IstioText.all(100, 10)).text();
        String webAfter = new IstioText().http(src, 200, "-", "unknown", 400, IstioText.all(400, 10)).text();
        // reviews' proxy: the same exchanges as the destination saw them; 30 of the new 300 were 503 with UF... by the app
        String reviewsBefore = new IstioText().http(dst, 200, "-", "mutual_tls", 100, IstioText.all(100, 5)).text();
        String reviewsAfter = new IstioText()
                .http(dst, 200, "-", "mutual_tls", 370, IstioText.plus(IstioText.all(100, 5), IstioText.plus(IstioText.all(220, 5), IstioText.all(50, 25))))
                .http(dst, 503, "-", "mutual_tls", 30, IstioText.all(30, 50))
                .text();
        List<ServiceGraph.Edge> edges = GraphAssembler.edges(List.of(window(webBefore, webAfter, 30), window(reviewsBefore, reviewsAfter, 30)));

        ServiceGraph.Edge e = only(edges, "shop/web", REVIEWS);
        assertThat(e.reporter()).isEqualTo(EdgeKey.Reporter.DESTINATION);
        assertThat(e.destination().id()).isEqualTo("shop/reviews-v1");
        assertThat(e.requests()).isEqualTo(300);
        assertThat(e.rps()).isEqualTo(10.0);
        assertThat(e.serverErrors()).isEqualTo(30);
        assertThat(e.errorRate()).isEqualTo(0.1);
        assertThat(e.flaggedRate()).isZero();
        assertThat(e.security()).isEqualTo(ServiceGraph.Security.MUTUAL_TLS);
        assertThat(e.mtlsShare()).isEqualTo(1.0);
        // over the window: 220 in (1,5], 50 in (10,25], 30 in (25,50]
        // p50: rank 150 of 220 in (1,5] → 1 + 4 × 150/220; p99: rank 297 is the 27th of 30 in (25,50] → 25 + 25 × 27/30
        assertThat(e.p50Ms()).isCloseTo(1 + 4 * 150 / 220.0, within(1e-9));
        assertThat(e.p99Ms()).isCloseTo(47.5, within(1e-9));
        assertThat(e.spanSeconds()).isEqualTo(30.0);
        assertThat(edges).hasSize(1);
        assertThat(GraphAssembler.nodes(edges)).extracting(ServiceGraph.Node::id, ServiceGraph.Node::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple("shop/reviews-v1", ServiceGraph.NodeKind.WORKLOAD),
                org.assertj.core.groups.Tuple.tuple("shop/web", ServiceGraph.NodeKind.WORKLOAD),
                org.assertj.core.groups.Tuple.tuple(REVIEWS, ServiceGraph.NodeKind.SERVICE));
    }

    @Test
    void requestsTheCallersProxyFailedBeforeTheDestinationAddToTheDestinationsCounts() throws Exception {
        // web's proxy: 40 answered by reviews (30 OK, 10 app 500s), and 25 that never reached reviews'
        // proxy: 15 refused connections (UC: a plaintext caller on a STRICT port), 5 circuit-breaker
        // overflows (UO), 5 fault-injected 400 aborts (FI); plus 10 that reached it and timed out (UT)
        IstioText.Edge src = IstioText.source("shop/web", "shop/reviews-v1", REVIEWS);
        IstioText.Edge dst = IstioText.destination("shop/web", "shop/reviews-v1", REVIEWS);
        String webBefore = new IstioText().http(src, 200, "-", "unknown", 0, IstioText.all(0, 5)).text();
        String webAfter = new IstioText().http(src, 200, "-", "unknown", 30, IstioText.all(30, 5))
                .http(src, 500, "-", "unknown", 10, IstioText.all(10, 1))
                .http(src, 503, "UC", "unknown", 15, IstioText.all(15, 5))
                .http(src, 503, "UO", "unknown", 5, IstioText.all(5, 1))
                .http(src, 400, "FI", "unknown", 5, IstioText.all(5, 1))
                .http(src, 504, "UT", "unknown", 10, IstioText.all(10, 1000)).text();
        String reviewsBefore = new IstioText().http(dst, 200, "-", "mutual_tls", 0, IstioText.all(0, 5)).text();
        String reviewsAfter = new IstioText().http(dst, 200, "-", "mutual_tls", 30, IstioText.all(30, 5))
                .http(dst, 500, "-", "mutual_tls", 10, IstioText.all(10, 1))
                .http(dst, 0, "DC", "mutual_tls", 10, IstioText.all(10, 1000)).text();
        List<ServiceGraph.Edge> edges = GraphAssembler.edges(List.of(window(webBefore, webAfter, 10), window(reviewsBefore, reviewsAfter, 10)));

        ServiceGraph.Edge e = only(edges, "shop/web", REVIEWS);
        assertThat(e.reporter()).isEqualTo(EdgeKey.Reporter.DESTINATION);
        assertThat(e.requests()).as("50 the destination saw and 25 it never did").isEqualTo(75);
        assertThat(e.rps()).isEqualTo(7.5);
        assertThat(e.serverErrors()).as("10 app 500s, 15 UC, 5 UO (the FI abort is a 400)").isEqualTo(30);
        assertThat(e.flagged()).as("DC at the destination, UC, UO and FI at the caller").isEqualTo(35);
        assertThat(e.security()).isEqualTo(ServiceGraph.Security.MUTUAL_TLS);
        assertThat(e.mtlsShare()).as("of what the destination saw").isEqualTo(1.0);
    }

    @Test
    void anUnmeshedCallerIsUnknownAndPlaintextAndAPermissivePortCanBeMixed() throws Exception {
        IstioText.Edge fromLegacy = IstioText.destination("unknown", "shop/reviews-v1", REVIEWS);
        IstioText.Edge fromWeb = IstioText.destination("shop/web", "shop/reviews-v1", REVIEWS);
        String before = new IstioText().http(fromLegacy, 200, "-", "none", 0, IstioText.all(0, 1))
                .http(fromWeb, 200, "-", "mutual_tls", 0, IstioText.all(0, 1)).text();
        String after = new IstioText().http(fromLegacy, 200, "-", "none", 20, IstioText.all(20, 1))
                // web's workload moves to mTLS mid-window: 15 in plaintext, 45 over mTLS
                .http(fromWeb, 200, "-", "none", 15, IstioText.all(15, 1))
                .http(fromWeb, 200, "-", "mutual_tls", 45, IstioText.all(45, 1)).text();
        List<ServiceGraph.Edge> edges = GraphAssembler.edges(List.of(window(before, after, 20)));
        ServiceGraph.Edge legacy = only(edges, "unknown", REVIEWS);
        assertThat(legacy.security()).isEqualTo(ServiceGraph.Security.PLAINTEXT);
        assertThat(legacy.rps()).isEqualTo(1.0);
        assertThat(legacy.mtlsShare()).isZero();
        ServiceGraph.Edge web = only(edges, "shop/web", REVIEWS);
        assertThat(web.security()).isEqualTo(ServiceGraph.Security.MIXED);
        assertThat(web.mtlsShare()).isEqualTo(0.75);
        assertThat(web.rps()).isEqualTo(3.0);
        assertThat(GraphAssembler.nodes(edges)).extracting(ServiceGraph.Node::id).containsExactly("shop/reviews-v1", "shop/web", "unknown", REVIEWS);
        assertThat(GraphAssembler.nodes(edges).get(2).kind()).isEqualTo(ServiceGraph.NodeKind.UNKNOWN);
    }

    @Test
    void onlyTheSourceSawIt() throws Exception {
        // web → a legacy system without a proxy (no peer metadata in its replies), and web → ratings,
        // whose proxy answered (so it is named) but is not connected to this control plane
        IstioText.Edge legacy = IstioText.source("shop/web", "unknown", "billing.legacy");
        IstioText.Edge ratings = IstioText.source("shop/web", "shop/ratings-v1", "ratings.shop.svc.cluster.local");
        String before = new IstioText().http(legacy, 200, "-", "unknown", 10, IstioText.all(10, 100))
                .http(ratings, 200, "-", "unknown", 0, IstioText.all(0, 1)).text();
        String after = new IstioText().http(legacy, 200, "-", "unknown", 20, IstioText.all(20, 100))
                .http(legacy, 503, "UF", "unknown", 10, IstioText.all(10, 1))
                .http(ratings, 200, "-", "unknown", 8, IstioText.all(8, 1)).text();
        List<ServiceGraph.Edge> edges = GraphAssembler.edges(List.of(window(before, after, 10)));
        ServiceGraph.Edge b = only(edges, "shop/web", "billing.legacy");
        assertThat(b.reporter()).isEqualTo(EdgeKey.Reporter.SOURCE);
        assertThat(b.security()).isEqualTo(ServiceGraph.Security.UNKNOWN_NOT_MESHED);
        assertThat(b.security().label()).isEqualTo("unknown (destination not meshed)");
        assertThat(b.requests()).isEqualTo(20);
        assertThat(b.rps()).isEqualTo(2.0);
        assertThat(b.errorRate()).isEqualTo(0.5);
        assertThat(b.flaggedRate()).isEqualTo(0.5);
        assertThat(b.mtlsShare()).isNaN();
        assertThat(only(edges, "shop/web", "ratings.shop.svc.cluster.local").security()).isEqualTo(ServiceGraph.Security.UNKNOWN_NOT_SCRAPED);
        assertThat(GraphAssembler.nodes(edges)).extracting(ServiceGraph.Node::id)
                .as("the legacy system is its service; no workload node for it").containsExactly("shop/ratings-v1", "shop/web", "billing.legacy", "ratings.shop.svc.cluster.local");
    }

    @Test
    void replicasOfADestinationAddUpAndTcpEdgesCountBytes() throws Exception {
        IstioText.Edge dst = IstioText.destination("shop/web", "shop/reviews-v1", REVIEWS);
        String before = new IstioText().http(dst, 200, "-", "mutual_tls", 0, IstioText.all(0, 1)).text();
        String after = new IstioText().http(dst, 200, "-", "mutual_tls", 50, IstioText.all(50, 1)).text();
        IstioText.Edge db = IstioText.destination("shop/web", "shop/db-1", "db.shop.svc.cluster.local");
        String dbBefore = new IstioText().tcp(db, "none", 1, 100, 50).text();
        String dbAfter = new IstioText().tcp(db, "none", 3, 10340, 2098).text();
        // two proxies of reviews-v1 (two hosts), windows of 10 s and 25 s, and one of db
        List<ServiceGraph.Edge> edges = GraphAssembler.edges(List.of(window(before, after, 10), window(before, after, 25), window(dbBefore, dbAfter, 8)));
        ServiceGraph.Edge r = only(edges, "shop/web", REVIEWS);
        assertThat(r.requests()).isEqualTo(100);
        assertThat(r.rps()).isEqualTo(5.0 + 2.0);
        assertThat(r.spanSeconds()).isEqualTo(25.0);
        ServiceGraph.Edge t = only(edges, "shop/web", "db.shop.svc.cluster.local");
        assertThat(t.protocol()).isEqualTo(EdgeKey.Protocol.TCP);
        assertThat(t.tcpConnections()).isEqualTo(2);
        assertThat(t.tcpSentBytes()).isEqualTo(10240);
        assertThat(t.tcpReceivedBytes()).isEqualTo(2048);
        assertThat(t.tcpBytesPerSecond()).isEqualTo(1536.0);
        assertThat(t.security()).isEqualTo(ServiceGraph.Security.PLAINTEXT);
        assertThat(t.p99Ms()).isNaN();
    }
}
