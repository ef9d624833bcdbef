package dev.ficus.control.graph;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One scrape reduced to an edge's counters: outcomes folded, reporters and protocols kept apart. */
class ProxySampleTest {
    static final IstioText.Edge WEB_TO_REVIEWS_DST = IstioText.destination("shop/web", "shop/reviews-v1", "reviews.shop.svc.cluster.local");
    static final IstioText.Edge WEB_TO_REVIEWS_SRC = IstioText.source("shop/web", "shop/reviews-v1", "reviews.shop.svc.cluster.local");

    static EdgeKey key(EdgeKey.Reporter r, String from, String to, String service, EdgeKey.Protocol p) {
        return new EdgeKey(r, id(from), id(to), service, p);
    }

    static Workload id(String s) {
        if (s.equals("unknown")) return Workload.UNKNOWN;
        String[] p = s.split("/");
        return new Workload(p[0], p[1]);
    }

    @Test
    void foldsStatusFlagsAndSecurityIntoOneEdge() throws Exception {
        String text = new IstioText()
                .http(WEB_TO_REVIEWS_DST, 200, "-", "mutual_tls", 90, IstioText.all(90, 5))
                .http(WEB_TO_REVIEWS_DST, 503, "UF", "mutual_tls", 6, IstioText.all(6, 1))
                .http(WEB_TO_REVIEWS_DST, 200, "-", "none", 4, IstioText.all(4, 10))
                .http(WEB_TO_REVIEWS_SRC, 200, "-", "unknown", 94, IstioText.all(94, 10))
                .tcp(IstioText.source("shop/web", "unknown", "db.shop.svc.cluster.local"), "unknown", 3, 1000, 200)
                .text();
        ProxySample s = ProxySample.parse(text, 42);
        assertThat(s.atNanos()).isEqualTo(42);
        assertThat(s.bounds()).hasSize(20).endsWith(Double.POSITIVE_INFINITY).startsWith(0.5, 1.0, 5.0);
        assertThat(s.edges()).hasSize(3);

        EdgeCounters dst = s.edges().get(key(EdgeKey.Reporter.DESTINATION, "shop/web", "shop/reviews-v1", "reviews.shop.svc.cluster.local", EdgeKey.Protocol.HTTP));
        assertThat(dst.requests()).isEqualTo(100);
        assertThat(dst.serverErrors()).isEqualTo(6);
        assertThat(dst.flagged()).isEqualTo(6);
        assertThat(dst.mtls()).isEqualTo(96);
        assertThat(dst.plaintext()).isEqualTo(4);
        assertThat(dst.durationBuckets()).isEqualTo(IstioText.plus(IstioText.plus(IstioText.all(90, 5), IstioText.all(6, 1)), IstioText.all(4, 10)));

        EdgeCounters src = s.edges().get(key(EdgeKey.Reporter.SOURCE, "shop/web", "shop/reviews-v1", "reviews.shop.svc.cluster.local", EdgeKey.Protocol.HTTP));
        assertThat(src.requests()).isEqualTo(94);
        assertThat(src.mtls() + src.plaintext()).as("the source reporter does not know").isZero();

        EdgeCounters tcp = s.edges().get(key(EdgeKey.Reporter.SOURCE, "shop/web", "unknown", "db.shop.svc.cluster.local", EdgeKey.Protocol.TCP));
        assertThat(tcp).isEqualTo(new EdgeCounters(0, 0, 0, 0, 0, new long[0], 3, 1000, 200));
    }

    @Test
    void aGrpcErrorIsANotOkStatusEvenInA200() throws Exception {
        IstioText.Edge e = IstioText.destination("shop/web", "shop/ratings-v1", "ratings");
        String text = new IstioText().grpc(e, 200, 0, 7).grpc(e, 200, 14, 2).grpc(e, 503, 14, 1).text();
        EdgeCounters c = ProxySample.parse(text, 0).edges().get(key(EdgeKey.Reporter.DESTINATION, "shop/web", "shop/ratings-v1", "ratings", EdgeKey.Protocol.GRPC));
        assertThat(c.requests()).isEqualTo(10);
        assertThat(c.serverErrors()).isEqualTo(3);
    }

    @Test
    void anUnmeshedCallerIsTheUnknownWorkload() throws Exception {
        String text = new IstioText().http(IstioText.destination("unknown", "shop/reviews-v1", "reviews"), 200, "-", "none", 5, IstioText.all(5, 1)).text();
        assertThat(ProxySample.parse(text, 0).edges().keySet())
                .containsExactly(key(EdgeKey.Reporter.DESTINATION, "unknown", "shop/reviews-v1", "reviews", EdgeKey.Protocol.HTTP));
    }

    @Test
    void histogramsThatCannotGiveTruePercentilesAreRefused() {
        String noInf = "istio_request_duration_milliseconds_bucket{reporter=\"source\",le=\"1\"} 3\n";
        assertThatThrownBy(() -> ProxySample.parse(noInf, 0)).isInstanceOf(ProxySample.InvalidMetricsException.class).hasMessageContaining("no le=\"+Inf\" bucket");
        String decreasing = "istio_request_duration_milliseconds_bucket{reporter=\"source\",le=\"1\"} 3\n"
                + "istio_request_duration_milliseconds_bucket{reporter=\"source\",le=\"+Inf\"} 2\n";
        assertThatThrownBy(() -> ProxySample.parse(decreasing, 0)).hasMessageContaining("below the previous bucket's");
        String differ = "istio_request_duration_milliseconds_bucket{reporter=\"source\",response_code=\"200\",le=\"1\"} 3\n"
                + "istio_request_duration_milliseconds_bucket{reporter=\"source\",response_code=\"200\",le=\"+Inf\"} 3\n"
                + "istio_request_duration_milliseconds_bucket{reporter=\"source\",response_code=\"500\",le=\"2\"} 3\n"
                + "istio_request_duration_milliseconds_bucket{reporter=\"source\",response_code=\"500\",le=\"+Inf\"} 3\n";
        assertThatThrownBy(() -> ProxySample.parse(differ, 0)).hasMessageContaining("differ from another series'");
        String badLe = "istio_request_duration_milliseconds_bucket{reporter=\"source\",le=\"fast\"} 3\n";
        assertThatThrownBy(() -> ProxySample.parse(badLe, 0)).hasMessageContaining("le=\"fast\" is not a number");
    }

    @Test
    void seriesWithoutAReporterOrWithFractionalCountsAreRefused() {
        assertThatThrownBy(() -> ProxySample.parse("istio_requests_total{source_workload=\"web\"} 1\n", 0))
                .isInstanceOf(ProxySample.InvalidMetricsException.class).hasMessageContaining("no 'reporter' label (did a Telemetry override remove it?)");
        assertThatThrownBy(() -> ProxySample.parse("istio_requests_total{reporter=\"waypoint\"} 1\n", 0)).hasMessageContaining("reporter=\"waypoint\"");
        assertThatThrownBy(() -> ProxySample.parse("istio_requests_total{reporter=\"source\"} 1.5\n", 0)).hasMessageContaining("whole number");
        assertThatThrownBy(() -> ProxySample.parse("istio_requests_total{reporter=\"source\"} NaN\n", 0)).hasMessageContaining("whole number");
    }

    @Test
    void malformedTextNamesTheLine() {
        String text = new IstioText().http(WEB_TO_REVIEWS_DST, 200, "-", "mutual_tls", 1).text() + "istio_requests_total{reporter=\"source\" 1\n";
        int line = (int) text.chars().filter(c -> c == '\n').count();
        assertThatThrownBy(() -> ProxySample.parse(text, 0)).isInstanceOf(PrometheusText.FormatException.class)
                .hasMessageStartingWith("line " + line + ", column ").hasMessageContaining("expected ',' or '}' after the value of label reporter");
    }

    @Test
    void otherMetricsAreSkippedUnread() throws Exception {
        // a metric the graph does not read may carry labels this reader would not even look at
        String text = "ficus_listener_requests_total{listener=\"in\"} 3\nsome_other_metric{x=\"\\q\"} 1\n";
        assertThat(ProxySample.parse(text, 0).edges()).isEmpty();
        assertThatThrownBy(() -> PrometheusText.parse(text)).hasMessage("line 2, column 22: unknown escape '\\q' in the value of label x (\\\\, \\\", \\n)");
    }
}
