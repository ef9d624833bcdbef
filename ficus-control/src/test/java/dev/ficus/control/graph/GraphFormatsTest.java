package dev.ficus.control.graph;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The graph as {@code ficus graph} prints it: the table, DOT, and JSON read back. */
class GraphFormatsTest {
    static final String REVIEWS = "reviews.shop.svc.cluster.local";

    /** web → reviews over mTLS, an unmeshed caller in plaintext, web → a legacy system, web → db over TCP; one proxy not read. */
    static ServiceGraph sample() throws Exception {
        IstioText.Edge web = IstioText.destination("shop/web", "shop/reviews-v1", REVIEWS);
        IstioText.Edge legacy = IstioText.destination("unknown", "shop/reviews-v1", REVIEWS);
        IstioText.Edge billing = IstioText.source("shop/web", "unknown", "billing.legacy");
        IstioText.Edge db = IstioText.source("shop/web", "unknown", "db.shop.svc.cluster.local");
        String before = new IstioText().http(web, 200, "-", "mutual_tls", 0, IstioText.all(0, 1)).http(legacy, 200, "-", "none", 0, IstioText.all(0, 1))
                .http(billing, 200, "-", "unknown", 0, IstioText.all(0, 1)).tcp(db, "unknown", 0, 0, 0).text();
        String after = new IstioText()
                .http(web, 200, "-", "mutual_tls", 297, IstioText.plus(IstioText.all(270, 5), IstioText.all(27, 10)))
                .http(web, 503, "-", "mutual_tls", 3, IstioText.all(3, 50))
                .http(legacy, 200, "-", "none", 30, IstioText.all(30, 5))
                .http(billing, 200, "-", "unknown", 12, IstioText.all(12, 250))
                .http(billing, 503, "UF", "unknown", 3, IstioText.all(3, 1))
                .tcp(db, "unknown", 2, 61440, 1024).text();
        List<ServiceGraph.Edge> edges = GraphAssembler.edges(List.of(GraphAssemblerTest.window(before, after, 30)));
        List<ServiceGraph.ProxyState> proxies = List.of(
                new ServiceGraph.ProxyState("4242@vm", List.of("web", "reviews-v1"), "shop", "127.0.0.1:15000", 3, Instant.parse("2025-01-01T00:00:00Z"), 30, null),
                new ServiceGraph.ProxyState("4343@vm", List.of("ratings-v1"), "shop", "127.0.0.1:15001", 0, null, 0,
                        "cannot connect to 127.0.0.1:15001 (connection refused: is its admin port reachable from the control plane?)"));
        return new ServiceGraph(Duration.ofSeconds(30), Instant.parse("2025-01-01T00:00:01Z"), proxies, GraphAssembler.nodes(edges), edges);
    }

    @Test
    void theTableIsAlignedAndSaysWhatItCouldNotRead() throws Exception {
        String text = GraphText.write(sample());
        // billing: 12 in (100,250], 3 in (0.5,1] → p50 = 100 + 150 × 4.5/12, p99 = 100 + 150 × 11.85/12
        // reviews from web: 270 in (1,5], 27 in (5,10], 3 in (25,50] → p50 = 1 + 4 × 150/270, p99 = 10
        assertThat(text).isEqualTo("""
                CALLER       CALLEE                                            PROTO       RATE  ERRORS  FLAGGED  P50 MS  P99 MS  SECURITY
                shop/web  →  billing.legacy                                    http    0.50 rps   20.0%    20.0%   156.3   248.1  unknown (destination not meshed)
                shop/web  →  db.shop.svc.cluster.local                         tcp    2.0 KiB/s       -        -       -       -  unknown (destination not meshed)
                shop/web  →  reviews.shop.svc.cluster.local (shop/reviews-v1)  http   10.00 rps    1.0%     0.0%     3.2    10.0  mutual_tls
                unknown   →  reviews.shop.svc.cluster.local (shop/reviews-v1)  http    1.00 rps    0.0%     0.0%     3.0     5.0  plaintext
                4 edges over the last 30s from 1 of 2 proxies
                proxy 4343@vm (shop/ratings-v1): cannot connect to 127.0.0.1:15001 (connection refused: is its admin port reachable from the control plane?)
                """);
    }

    @Test
    void dotIsAGraphvizDigraphWithPlaintextDashedRed() throws Exception {
        String dot = GraphDot.write(sample());
        assertThat(dot).startsWith("digraph ficus {\n").endsWith("}\n");
        assertThat(dot).contains("\"w:shop/web\" [label=\"shop/web\", shape=ellipse];")
                .contains("\"u:unknown\" [label=\"unknown\", shape=ellipse, style=dashed];")
                .contains("\"s:reviews.shop.svc.cluster.local\" [label=\"reviews.shop.svc.cluster.local\", shape=box];")
                .contains("\"u:unknown\" -> \"s:reviews.shop.svc.cluster.local\" [label=\"1.00 rps\\n0.0% errors\\np99 5.0 ms\\nplaintext\", color=red, style=dashed];")
                .contains("\"w:shop/web\" -> \"s:reviews.shop.svc.cluster.local\" [label=\"10.00 rps\\n1.0% errors\\np99 10.0 ms\\nmutual_tls\", color=darkgreen, style=solid];")
                .contains("\"s:reviews.shop.svc.cluster.local\" -> \"w:shop/reviews-v1\" [color=gray, arrowsize=0.5];");
        assertStructurallyDot(dot);
    }

    /** Every statement is a node or an edge between declared nodes, and quotes balance: what {@code dot} would insist on. */
    static void assertStructurallyDot(String dot) {
        Pattern node = Pattern.compile("^  (\"(?:[^\"\\\\]|\\\\.)*\") \\[(.*)\\];$");
        Pattern edge = Pattern.compile("^  (\"(?:[^\"\\\\]|\\\\.)*\") -> (\"(?:[^\"\\\\]|\\\\.)*\") \\[(.*)\\];$");
        java.util.Set<String> declared = new java.util.HashSet<>();
        int edges = 0;
        String[] lines = dot.split("\n");
        assertThat(lines[0]).isEqualTo("digraph ficus {");
        assertThat(lines[lines.length - 1]).isEqualTo("}");
        for (int i = 1; i < lines.length - 1; i++) {
            String l = lines[i];
            Matcher e = edge.matcher(l), n = node.matcher(l);
            if (e.matches()) {
                assertThat(declared).as("edge from a declared node: " + l).contains(e.group(1), e.group(2));
                edges++;
            } else if (n.matches()) {
                declared.add(n.group(1));
            } else {
                assertThat(l).as("a graph attribute statement").matches("  (rankdir=LR|node \\[.*\\]|edge \\[.*\\]);");
            }
        }
        assertThat(declared).isNotEmpty();
        assertThat(edges).isPositive();
    }

    @Test
    void dotQuotesWhatWouldBreakIt() {
        assertThat(GraphDot.quote("a\"b\\c\nd")).isEqualTo("\"a\\\"b\\\\c\\nd\"");
    }

    @Test
    void jsonIsReadBackAsTheSameGraph() throws Exception {
        ServiceGraph g = sample();
        String json = GraphJson.write(g);
        ServiceGraph back = GraphJson.read(json);
        assertThat(GraphJson.write(back)).isEqualTo(json);
        assertThat(back.edges()).hasSize(4);
        assertThat(back.proxies().get(1).error()).startsWith("cannot connect");
        assertThat(json).contains("\"source\":\"unknown\",\"destination\":\"shop/reviews-v1\",\"service\":\"reviews.shop.svc.cluster.local\",\"protocol\":\"http\","
                + "\"reporter\":\"destination\",\"requests\":30,\"rps\":1,\"serverErrors\":0,\"errorRate\":0,\"flagged\":0,\"flaggedRate\":0,\"p50Ms\":3,\"p99Ms\":4.96,\"security\":\"plaintext\",\"mtlsShare\":0,\"spanSeconds\":30}");
        assertThat(json).contains("\"security\":\"unknown (destination not meshed)\",\"mtlsShare\":null,\"tcp\":{\"connections\":2,\"sentBytes\":61440,\"receivedBytes\":1024,\"bytesPerSecond\":2082.13333}");
        assertThatThrownBy(() -> GraphJson.read("{\"window\":\"30s\"}")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a ficus service graph");
    }

    @Test
    void anEmptyGraphSaysSo() {
        ServiceGraph g = new ServiceGraph(Duration.ofMinutes(1), Instant.EPOCH, List.of(), List.of(), List.of());
        assertThat(GraphText.write(g)).isEqualTo("no traffic between workloads in the last 1m\n0 edges over the last 1m from 0 of 0 proxies\n");
    }
}
