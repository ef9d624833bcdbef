package dev.ficus.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ficus.cli.PrometheusProcess.Sample;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * "A Prometheus server scraping ficus answers the standard Istio queries": Debian's
 * {@code prometheus} scrapes the admin ports of two ficus proxies under a real control plane (web-v1's
 * client-side proxy, and reviews-v2's server-side proxy, a Sidecar ingress over STRICT mTLS in front
 * of a backend in this test) every second, and is asked, verbatim, what Istio's Grafana service and
 * workload dashboards, Flagger's built-in Istio checks and Kiali's traffic graph ask it.
 *
 * <p>Why the traffic is shaped as it is: 32 OK and 8 failing requests go through before Prometheus
 * starts (they warm the JVMs and the connections between the proxies, and every series exists at
 * Prometheus's first scrape); then short bursts of 8 OK and 2 failing requests, all at once, are
 * placed right after a scrape, until each proxy was scraped just before and just after one burst
 * (usually the first: 40 OK and 10 failing in all). Each group is 4:1, so a success rate over any
 * window reaching back to Prometheus's first scrape reads exactly 80 % whatever its extrapolation, and
 * {@code irate()} at the scrape right after a burst sees that burst alone, so the dashboards' irate
 * panels have exact values too. OK requests spend 30 ms in the backend and failing ones (500: not
 * retried, unlike 503) return at once, so each latency quantile must land above 25 ms (Envoy's
 * bucket below 30 ms) and at most at the top of the bucket of what the client measured.
 */
class PrometheusIstioQueriesIT {
    static final String NS = "shop";
    static final String CLIENT = "web-v1";
    static final String SERVER = "reviews-v2";
    static final String SERVICE = "reviews.shop.svc.cluster.local";
    static final String AUTHORITY = SERVICE + ":9080";

    /** Requests before Prometheus starts, and in each burst: OK and failing, always 4:1, from 10 connections at once. */
    static final int SEED_OK = 32, SEED_FAILED = 8, BURST_OK = 8, BURST_FAILED = 2, CONNECTIONS = 10, MAX_BURSTS = 5;
    static final long OK_DELAY_MS = 30;
    static final int REQUEST_BYTES = 200, OK_BYTES = 1500, FAILED_BYTES = 20;
    /** istio_request_duration_milliseconds' buckets: Envoy's defaults. */
    static final double[] ENVOY_BUCKETS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
            300000, 600000, 1800000, 3600000};
    /** Time kept clear of a scrape on both sides of a burst. */
    static final long SCRAPE_MARGIN_MS = 60;

    // --- Istio's Grafana dashboards (manifests/addons/dashboards), verbatim; Grafana's variables are filled in by grafana() ---

    /** Istio Service Dashboard: the $service variable's query (inside query_result()). */
    static final String SERVICE_VARIABLE = "sum(istio_requests_total{}) by (destination_service) or sum(istio_tcp_sent_bytes_total{}) by (destination_service)";
    /** Istio Service Dashboard: Client Request Volume. */
    static final String CLIENT_REQUEST_VOLUME = "round(sum(irate(istio_requests_total{reporter=~\"$qrep\",destination_service=\"$service\"}[$__rate_interval])), 0.001)";
    /** Istio Service Dashboard: Client Success Rate (non-5xx responses). */
    static final String CLIENT_SUCCESS_RATE = "sum(irate(istio_requests_total{reporter=~\"$qrep\",destination_service=\"$service\",response_code!~\"5.*\"}[$__rate_interval])) / (sum(irate(istio_requests_total{reporter=~\"$qrep\",destination_service=\"$service\"}[$__rate_interval])) or on () vector(1))";
    /** Istio Service Dashboard: Client Request Duration, P50 (P90 and P99 differ only in the quantile). */
    static final String CLIENT_REQUEST_DURATION = "(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~\"$qrep\",destination_service=\"$service\"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter=~\"$qrep\",destination_service=\"$service\"}[$__rate_interval])) by (le))";
    /** Istio Service Dashboard: Server Request Volume. */
    static final String SERVER_REQUEST_VOLUME = "round(sum(irate(istio_requests_total{reporter=\"destination\",destination_service=\"$service\"}[$__rate_interval])), 0.001)";
    /** Istio Service Dashboard: Server Success Rate (non-5xx responses). */
    static final String SERVER_SUCCESS_RATE = "sum(irate(istio_requests_total{reporter=\"destination\",destination_service=\"$service\",response_code!~\"5.*\"}[$__rate_interval])) / (sum(irate(istio_requests_total{reporter=\"destination\",destination_service=\"$service\"}[$__rate_interval])) or on () vector(1))";
    /** Istio Service Dashboard: Server Request Duration, P50 (P90 and P99 likewise). */
    static final String SERVER_REQUEST_DURATION = "(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter=\"destination\",destination_service=\"$service\"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter=\"destination\",destination_service=\"$service\"}[$__rate_interval])) by (le))";
    /** Istio Service Dashboard: Incoming Requests By Source And Response Code, the mTLS query. */
    static final String INCOMING_BY_SOURCE_MTLS = "round(sum(irate(istio_requests_total{connection_security_policy=\"mutual_tls\",destination_service=\"$service\",reporter=~\"$qrep\",source_workload=~\"$srcwl\",source_workload_namespace=~\"$srcns\"}[$__rate_interval])) by (source_workload, source_workload_namespace, response_code), 0.001)";
    /** Istio Service Dashboard: Incoming Requests By Source And Response Code, the plaintext query. */
    static final String INCOMING_BY_SOURCE_PLAINTEXT = "round(sum(irate(istio_requests_total{connection_security_policy!=\"mutual_tls\", destination_service=\"$service\", reporter=~\"$qrep\", source_workload=~\"$srcwl\", source_workload_namespace=~\"$srcns\"}[$__rate_interval])) by (source_workload, source_workload_namespace, response_code), 0.001)";
    /** Istio Service Dashboard: Incoming Success Rate (non-5xx responses) By Source, the mTLS query. */
    static final String INCOMING_SUCCESS_BY_SOURCE_MTLS = "sum(irate(istio_requests_total{reporter=~\"$qrep\", connection_security_policy=\"mutual_tls\", destination_service=\"$service\",response_code!~\"5.*\", source_workload=~\"$srcwl\", source_workload_namespace=~\"$srcns\"}[$__rate_interval])) by (source_workload, source_workload_namespace) / sum(irate(istio_requests_total{reporter=~\"$qrep\", connection_security_policy=\"mutual_tls\", destination_service=\"$service\", source_workload=~\"$srcwl\", source_workload_namespace=~\"$srcns\"}[$__rate_interval])) by (source_workload, source_workload_namespace)";
    /** Istio Service Dashboard: Incoming Request Duration By Source, P95 with mTLS. */
    static final String INCOMING_DURATION_BY_SOURCE_MTLS = "(histogram_quantile(0.95, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~\"$qrep\", connection_security_policy=\"mutual_tls\", destination_service=\"$service\", source_workload=~\"$srcwl\", source_workload_namespace=~\"$srcns\"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.95, sum(irate(istio_request_duration_seconds_bucket{reporter=~\"$qrep\", connection_security_policy=\"mutual_tls\", destination_service=\"$service\", source_workload=~\"$srcwl\", source_workload_namespace=~\"$srcns\"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))";
    /** Istio Service Dashboard: Incoming Request Size By Source, P50 with mTLS. */
    static final String INCOMING_REQUEST_SIZE_BY_SOURCE_MTLS = "histogram_quantile(0.50, sum(irate(istio_request_bytes_bucket{reporter=~\"$qrep\", connection_security_policy=\"mutual_tls\", destination_service=\"$service\", source_workload=~\"$srcwl\", source_workload_namespace=~\"$srcns\"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))";
    /** Istio Service Dashboard: Response Size By Source, P50 with mTLS (P99 likewise). */
    static final String RESPONSE_SIZE_BY_SOURCE_MTLS = "histogram_quantile(0.50, sum(irate(istio_response_bytes_bucket{reporter=~\"$qrep\", connection_security_policy=\"mutual_tls\", destination_service=\"$service\", source_workload=~\"$srcwl\", source_workload_namespace=~\"$srcns\"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))";

    /** Istio Workload Dashboard: Incoming Request Volume. */
    static final String WORKLOAD_INCOMING_VOLUME = "round(sum(irate(istio_requests_total{reporter=\"$qrep\",destination_workload_namespace=~\"$namespace\",destination_workload=~\"$workload\"}[5m])), 0.001)";
    /** Istio Workload Dashboard: Incoming Success Rate (non-5xx responses). */
    static final String WORKLOAD_INCOMING_SUCCESS_RATE = "sum(irate(istio_requests_total{reporter=\"$qrep\",destination_workload_namespace=~\"$namespace\",destination_workload=~\"$workload\",response_code!~\"5.*\"}[5m])) / sum(irate(istio_requests_total{reporter=\"$qrep\",destination_workload_namespace=~\"$namespace\",destination_workload=~\"$workload\"}[5m]))";
    /** Istio Workload Dashboard: Request Duration, P99 (P50 and P90 likewise). */
    static final String WORKLOAD_REQUEST_DURATION = "(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter=\"$qrep\",destination_workload=~\"$workload\", destination_workload_namespace=~\"$namespace\"}[1m])) by (le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter=\"$qrep\",destination_workload=~\"$workload\", destination_workload_namespace=~\"$namespace\"}[1m])) by (le))";
    /** Istio Workload Dashboard: Outgoing Requests By Destination And Response Code, the mTLS query. */
    static final String OUTGOING_BY_DESTINATION_MTLS = "round(sum(irate(istio_requests_total{connection_security_policy=\"mutual_tls\", source_workload_namespace=~\"$namespace\", source_workload=~\"$workload\", reporter=\"source\", destination_service=~\"$dstsvc\"}[5m])) by (destination_service, response_code), 0.001)";
    /** Istio Workload Dashboard: Outgoing Requests By Destination And Response Code, the plaintext query. */
    static final String OUTGOING_BY_DESTINATION_PLAINTEXT = "round(sum(irate(istio_requests_total{connection_security_policy!=\"mutual_tls\", source_workload_namespace=~\"$namespace\", source_workload=~\"$workload\", reporter=\"source\", destination_service=~\"$dstsvc\"}[5m])) by (destination_service, response_code), 0.001)";
    /** Istio Workload Dashboard: Outgoing Success Rate (non-5xx responses) By Destination, the plaintext query. */
    static final String OUTGOING_SUCCESS_BY_DESTINATION_PLAINTEXT = "sum(irate(istio_requests_total{reporter=\"source\", connection_security_policy!=\"mutual_tls\", source_workload_namespace=~\"$namespace\", source_workload=~\"$workload\",response_code!~\"5.*\", destination_service=~\"$dstsvc\"}[5m])) by (destination_service) / sum(irate(istio_requests_total{reporter=\"source\", connection_security_policy!=\"mutual_tls\", source_workload_namespace=~\"$namespace\", source_workload=~\"$workload\", destination_service=~\"$dstsvc\"}[5m])) by (destination_service)";

    // --- Flagger's built-in Istio checks (pkg/metrics/observers/istio.go), white space removed; flagger() fills the template ---

    static final String FLAGGER_REQUEST_SUCCESS_RATE = "sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"{{ namespace }}\",destination_workload=~\"{{ target }}\",response_code!~\"5.*\"}[{{ interval }}])) / sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"{{ namespace }}\",destination_workload=~\"{{ target }}\"}[{{ interval }}])) * 100";
    static final String FLAGGER_REQUEST_DURATION = "histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter=\"destination\",destination_workload_namespace=\"{{ namespace }}\",destination_workload=~\"{{ target }}\"}[{{ interval }}])) by (le))";

    // --- Kiali's traffic graph (graph/telemetry/istio/istio.go), namespace shop, a 60 s graph ---

    static final String KIALI_GROUP_BY = "source_cluster,source_workload_namespace,source_workload,source_canonical_service,source_canonical_revision,destination_cluster,destination_service_namespace,destination_service,destination_service_name,destination_workload_namespace,destination_workload,destination_canonical_service,destination_canonical_revision,request_protocol,response_code,grpc_response_status,response_flags";
    /** Kiali, query 2: incoming traffic, from destination telemetry. */
    static final String KIALI_INCOMING = "sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"shop\"} [60s])) by (" + KIALI_GROUP_BY + ") > 0";
    /** Kiali, query 3: the namespace's workloads' outgoing traffic, from source telemetry. */
    static final String KIALI_OUTGOING = "sum(rate(istio_requests_total{reporter=\"source\",source_workload_namespace=\"shop\"} [60s])) by (" + KIALI_GROUP_BY + ") > 0";

    // --- the success rate over a window that covers all the traffic ---

    static final String SUCCESS_RATIO = "sum(increase(istio_requests_total{reporter=\"destination\",destination_workload=\"reviews-v2\",response_code!~\"5.*\"}[5m])) / sum(increase(istio_requests_total{reporter=\"destination\",destination_workload=\"reviews-v2\"}[5m]))";
    static final String SOURCE_SUCCESS_RATIO = "sum(increase(istio_requests_total{reporter=\"source\",source_workload=\"web-v1\",response_code!~\"5.*\"}[5m])) / sum(increase(istio_requests_total{reporter=\"source\",source_workload=\"web-v1\"}[5m]))";

    private final List<AutoCloseable> callers = new ArrayList<>();
    private final List<FicusProcess> ficus = new ArrayList<>();
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<Double> allLatencies = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        // what calls into the mesh first (the test's connections, Prometheus's scrapes), then the
        // ficus processes, told together to drain, then the backend
        for (AutoCloseable c : callers.reversed()) c.close();
        for (FicusProcess p : ficus) p.process().destroy();
        for (FicusProcess p : ficus.reversed()) p.close();
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    static String config(int inbound, int backend) {
        return """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: web-v1, namespace: shop}
                spec: {address: 127.0.0.1, labels: {app: web, version: v1}, serviceAccount: web}
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: web, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: web}}
                  egress: [{hosts: ["./*"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: reviews}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v2, namespace: shop}
                spec:
                  address: 127.0.0.1
                  ports: {http: %1$d}
                  labels: {app: reviews, version: v2, security.istio.io/tlsMode: istio}
                  serviceAccount: reviews
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: reviews, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: reviews}}
                  ingress: [{port: {number: %1$d, protocol: HTTP, name: http}, bind: 127.0.0.1, defaultEndpoint: "127.0.0.1:%2$d"}]
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: shop}
                spec: {mtls: {mode: STRICT}}
                """.formatted(inbound, backend);
    }

    @Test
    void dashboardsFlaggerAndKialiReadFicusMetricsFromPrometheus(@TempDir Path dir) throws Exception {
        if (PrometheusProcess.installed().isEmpty()) {
            assertThat(System.getenv("CI")).as("CI must have Debian's prometheus (.ci/run installs it) at " + PrometheusProcess.BINARY).isNull();
            Assumptions.abort("prometheus is not installed (apt-get install prometheus): the Istio queries were not checked");
        }
        long t0 = System.nanoTime();
        AtomicInteger served = new AtomicInteger();
        int backend = backend(served);
        int sync = UpCommandIT.freePort(), inbound = UpCommandIT.freePort(), outbound = UpCommandIT.freePort();
        int adminClient = UpCommandIT.freePort(), adminServer = UpCommandIT.freePort(), prometheusPort = UpCommandIT.freePort();
        Path mesh = Files.createDirectories(dir.resolve("mesh"));
        Files.writeString(mesh.resolve("mesh.yaml"), config(inbound, backend));
        String control = "127.0.0.1:" + sync;

        // a control plane and the two workloads' proxies, started at once (the proxies wait for it)
        FicusProcess cp = start("control", "--config", mesh.toString(), "--sync-port", Integer.toString(sync), "--http-port", "-1",
                "--ca-dir", dir.resolve("ca").toString(), "--insecure-plaintext-ca", "--sync-tls-port", "-1");
        FicusProcess server = start("proxy", "--control", control, "--workload", SERVER, "-n", NS, "--concurrency", "1",
                "--outbound-port", "-1", "--admin-port", Integer.toString(adminServer), "--drain-timeout", "2s");
        FicusProcess client = start("proxy", "--control", control, "--workload", CLIENT, "-n", NS, "--concurrency", "1",
                "--outbound-port", Integer.toString(outbound), "--admin-port", Integer.toString(adminClient), "--drain-timeout", "2s");
        cp.await("ready: ", Duration.ofSeconds(120));
        for (FicusProcess p : List.of(server, client)) {
            p.await("certificate issued for spiffe://", Duration.ofSeconds(120));
            p.await("ready: ", Duration.ofSeconds(120));
        }
        phase("mesh ready", t0);

        allLatencies.addAll(traffic(outbound, SEED_OK + SEED_FAILED));
        PrometheusProcess prometheus = PrometheusProcess.start(Files.createDirectories(dir.resolve("prometheus")), prometheusPort,
                List.of("127.0.0.1:" + adminClient, "127.0.0.1:" + adminServer));
        callers.add(prometheus);
        awaitTotals(prometheus, total(0), "the first scrapes; prometheus log:\n" + prometheus.logTail());
        phase("first scrapes", t0);

        Run run = bursts(prometheus, outbound, "127.0.0.1:" + adminServer, "127.0.0.1:" + adminClient);
        phase("bursts", t0);
        assertThat(served).as("the backend saw each request once (a 500 is not retried)").hasValue(run.total());

        assertCounters(prometheus, run);
        assertServiceDashboard(prometheus, run);
        assertWorkloadDashboard(prometheus, run);
        assertFlaggerChecks(prometheus, run);
        assertKialiGraph(prometheus, run);
        phase("queries", t0);
    }

    /**
     * What the traffic was: the bursts sent, the burst each proxy was scraped right around, and the
     * time after all the traffic was scraped (where the range queries are asked).
     */
    record Run(int bursts, Fit dst, Fit src, long at) {
        int ok() {
            return SEED_OK + bursts * BURST_OK;
        }

        int failed() {
            return SEED_FAILED + bursts * BURST_FAILED;
        }

        int total() {
            return ok() + failed();
        }
    }

    /** Bursts placed right after a scrape, until each proxy was scraped just before and just after one. */
    private Run bursts(PrometheusProcess prometheus, int outbound, String serverTarget, String clientTarget) throws Exception {
        int bursts = 0;
        Fit dst = null, src = null;
        TreeMap<Long, Double> dstScrapes = new TreeMap<>(), srcScrapes = new TreeMap<>();
        List<String> attempts = new ArrayList<>();
        while (dst == null || src == null) {
            assertThat(bursts).as("a burst between two scrapes of each proxy; attempts: %s", attempts).isLessThan(MAX_BURSTS);
            double before = total(bursts);
            List<String> waiting = new ArrayList<>();
            if (dst == null) waiting.add(serverTarget);
            if (src == null) waiting.add(clientTarget);
            List<HttpConnection> connections = connect(outbound);
            long quiet = awaitQuietStretch(prometheus, waiting);
            long started = System.currentTimeMillis();
            List<Double> burst = traffic(connections, 1);
            long took = System.currentTimeMillis() - started;
            allLatencies.addAll(burst);
            bursts++;
            double after = total(bursts);
            awaitTotals(prometheus, after, "burst " + bursts);
            long now = System.currentTimeMillis();
            dstScrapes = prometheus.summedSamples("istio_requests_total{reporter=\"destination\",destination_workload=\"reviews-v2\"}[5m]", now);
            srcScrapes = prometheus.summedSamples("istio_requests_total{reporter=\"source\",source_workload=\"web-v1\"}[5m]", now);
            if (dst == null) dst = Fit.of(dstScrapes, before, after, burst);
            if (src == null) src = Fit.of(srcScrapes, before, after, burst);
            attempts.add("burst " + bursts + " took " + took + " ms in a " + quiet + " ms quiet stretch");
        }
        System.out.println(attempts + "; destination scrapes " + dstScrapes + "; source scrapes " + srcScrapes);
        double total = total(bursts);
        return new Run(bursts, dst, src, Math.max(firstAt(dstScrapes, total), firstAt(srcScrapes, total)) + 1);
    }

    /** The counters after all the traffic: exact, with both ends named by both reporters. */
    private static void assertCounters(PrometheusProcess prometheus, Run run) {
        long at = run.at();
        double total = run.total(), ok = run.ok(), failed = run.failed();
        String dst = "reporter=\"destination\",destination_workload=\"reviews-v2\"";
        String src = "reporter=\"source\",source_workload=\"web-v1\"";
        assertThat(value(prometheus, "sum(istio_requests_total{" + dst + "})", at)).isEqualTo(total);
        assertThat(byLabels(prometheus, "sum(istio_requests_total{" + dst + "}) by (response_code)", at, "response_code"))
                .isEqualTo(Map.of("200", ok, "500", failed));
        assertThat(byLabels(prometheus, "sum(istio_requests_total{" + dst + "}) by (source_workload, source_workload_namespace, source_app, source_version, source_principal, connection_security_policy)",
                at, "source_workload", "source_workload_namespace", "source_app", "source_version", "source_principal", "connection_security_policy"))
                .isEqualTo(Map.of("web-v1 shop web v1 spiffe://cluster.local/ns/shop/sa/web mutual_tls", total));
        assertThat(value(prometheus, "sum(istio_requests_total{" + dst + ",connection_security_policy=\"mutual_tls\"})", at)).isEqualTo(total);
        assertThat(byLabels(prometheus, "sum(istio_requests_total{" + dst + "}) by (destination_service, destination_service_name, destination_service_namespace, destination_app, destination_version, destination_principal)",
                at, "destination_service", "destination_service_name", "destination_service_namespace", "destination_app", "destination_version", "destination_principal"))
                .isEqualTo(Map.of(SERVICE + " reviews shop reviews v2 spiffe://cluster.local/ns/shop/sa/reviews", total));
        // the client side names both ends too; like Istio's, its connection_security_policy is "unknown"
        assertThat(value(prometheus, "sum(istio_requests_total{" + src + "})", at)).isEqualTo(total);
        assertThat(byLabels(prometheus, "sum(istio_requests_total{" + src + "}) by (destination_service, destination_workload, destination_workload_namespace, destination_principal, response_code)",
                at, "destination_service", "destination_workload", "destination_workload_namespace", "destination_principal", "response_code"))
                .isEqualTo(Map.of(SERVICE + " reviews-v2 shop spiffe://cluster.local/ns/shop/sa/reviews 200", ok,
                        SERVICE + " reviews-v2 shop spiffe://cluster.local/ns/shop/sa/reviews 500", failed));
        assertThat(value(prometheus, "sum(istio_requests_total{" + src + ",connection_security_policy=\"unknown\"})", at)).isEqualTo(total);
        for (String reporter : List.of("source", "destination")) {
            String r = "{reporter=\"" + reporter + "\"}";
            assertThat(value(prometheus, "sum(istio_request_duration_milliseconds_count" + r + ")", at)).as(reporter).isEqualTo(total);
            assertThat(value(prometheus, "sum(istio_request_bytes_sum" + r + ")", at)).as(reporter).isEqualTo(total * REQUEST_BYTES);
            assertThat(value(prometheus, "sum(istio_response_bytes_sum" + r + ")", at)).as(reporter).isEqualTo(ok * OK_BYTES + failed * FAILED_BYTES);
        }
        // over a window that covers all the traffic, the success rate is exact
        assertThat(value(prometheus, SUCCESS_RATIO, at)).isCloseTo(0.8, within(1e-9));
        assertThat(value(prometheus, SOURCE_SUCCESS_RATIO, at)).isCloseTo(0.8, within(1e-9));
    }

    /** Istio Service Dashboard for reviews: its irate() panels at the scrape right after a burst. */
    private static void assertServiceDashboard(PrometheusProcess prometheus, Run run) {
        assertThat(prometheus.query(SERVICE_VARIABLE, run.at())).extracting(s -> s.label("destination_service")).contains(SERVICE);
        Map<String, String> service = Map.of("$service", SERVICE, "$srcwl", CLIENT, "$srcns", NS, "$__rate_interval", "1m");
        for (String reporter : List.of("destination", "source")) {
            Fit fit = reporter.equals("destination") ? run.dst() : run.src();
            Map<String, String> vars = with(service, "$qrep", reporter);
            assertThat(value(prometheus, grafana(CLIENT_REQUEST_VOLUME, vars), fit.at())).as("Client Request Volume, " + reporter)
                    .isCloseTo(fit.rounded(BURST_OK + BURST_FAILED), within(0.0011));
            assertThat(value(prometheus, grafana(CLIENT_SUCCESS_RATE, vars), fit.at())).as("Client Success Rate, " + reporter).isCloseTo(0.8, within(1e-9));
            for (String q : List.of("0.50", "0.90", "0.99")) {
                assertLatency("Client Request Duration P" + q + ", " + reporter,
                        value(prometheus, grafana(CLIENT_REQUEST_DURATION.replace("0.50", q), vars), fit.at()) * 1000, Double.parseDouble(q), fit);
            }
        }
        Fit dst = run.dst();
        Map<String, String> vars = with(service, "$qrep", "destination");
        assertThat(value(prometheus, grafana(SERVER_REQUEST_VOLUME, vars), dst.at())).isCloseTo(dst.rounded(BURST_OK + BURST_FAILED), within(0.0011));
        assertThat(value(prometheus, grafana(SERVER_SUCCESS_RATE, vars), dst.at())).isCloseTo(0.8, within(1e-9));
        for (String q : List.of("0.50", "0.90", "0.99")) {
            assertLatency("Server Request Duration P" + q,
                    value(prometheus, grafana(SERVER_REQUEST_DURATION.replace("0.50", q), vars), dst.at()) * 1000, Double.parseDouble(q), dst);
        }
        assertThat(byLabels(prometheus, grafana(INCOMING_BY_SOURCE_MTLS, vars), dst.at(), "source_workload", "source_workload_namespace", "response_code"))
                .containsOnlyKeys("web-v1 shop 200", "web-v1 shop 500")
                .hasEntrySatisfying("web-v1 shop 200", v -> assertThat(v).isCloseTo(dst.rounded(BURST_OK), within(0.0011)))
                .hasEntrySatisfying("web-v1 shop 500", v -> assertThat(v).isCloseTo(dst.rounded(BURST_FAILED), within(0.0011)));
        assertThat(prometheus.query(grafana(INCOMING_BY_SOURCE_PLAINTEXT, vars), dst.at())).as("no plaintext caller under STRICT").isEmpty();
        assertThat(byLabels(prometheus, grafana(INCOMING_SUCCESS_BY_SOURCE_MTLS, vars), dst.at(), "source_workload", "source_workload_namespace"))
                .containsOnlyKeys("web-v1 shop").hasEntrySatisfying("web-v1 shop", v -> assertThat(v).isCloseTo(0.8, within(1e-9)));
        assertLatency("Incoming Request Duration By Source P95",
                value(prometheus, grafana(INCOMING_DURATION_BY_SOURCE_MTLS, vars), dst.at()) * 1000, 0.95, dst);
        // sizes are exact: every request body is 200 bytes (bucket 100-250), responses 1500 (1000-2500) or 20 bytes (10-25)
        int n = BURST_OK + BURST_FAILED;
        assertThat(value(prometheus, grafana(INCOMING_REQUEST_SIZE_BY_SOURCE_MTLS, vars), dst.at())).isCloseTo(100 + 150 * 0.5, within(1e-6));
        assertThat(value(prometheus, grafana(RESPONSE_SIZE_BY_SOURCE_MTLS, vars), dst.at()))
                .isCloseTo(1000 + 1500 * (0.50 * n - BURST_FAILED) / BURST_OK, within(1e-6));
        assertThat(value(prometheus, grafana(RESPONSE_SIZE_BY_SOURCE_MTLS.replace("0.50", "0.99"), vars), dst.at()))
                .isCloseTo(1000 + 1500 * (0.99 * n - BURST_FAILED) / BURST_OK, within(1e-6));
    }

    /** Istio Workload Dashboard: reviews-v2's inbound panels, web-v1's outbound ones. */
    private static void assertWorkloadDashboard(PrometheusProcess prometheus, Run run) {
        Fit dst = run.dst(), src = run.src();
        Map<String, String> inbound = Map.of("$workload", SERVER, "$namespace", NS, "$qrep", "destination");
        assertThat(value(prometheus, grafana(WORKLOAD_INCOMING_VOLUME, inbound), dst.at())).isCloseTo(dst.rounded(BURST_OK + BURST_FAILED), within(0.0011));
        assertThat(value(prometheus, grafana(WORKLOAD_INCOMING_SUCCESS_RATE, inbound), dst.at())).isCloseTo(0.8, within(1e-9));
        for (String q : List.of("0.50", "0.90", "0.99")) {
            assertLatency("Workload Request Duration P" + q,
                    value(prometheus, grafana(WORKLOAD_REQUEST_DURATION.replace("0.99", q), inbound), dst.at()) * 1000, Double.parseDouble(q), dst);
        }
        Map<String, String> outbound = Map.of("$workload", CLIENT, "$namespace", NS, "$dstsvc", SERVICE);
        // Istio's client side reports connection_security_policy="unknown", so the dashboard's mTLS query is empty there too
        assertThat(prometheus.query(grafana(OUTGOING_BY_DESTINATION_MTLS, outbound), src.at())).isEmpty();
        assertThat(byLabels(prometheus, grafana(OUTGOING_BY_DESTINATION_PLAINTEXT, outbound), src.at(), "destination_service", "response_code"))
                .containsOnlyKeys(SERVICE + " 200", SERVICE + " 500")
                .hasEntrySatisfying(SERVICE + " 200", v -> assertThat(v).isCloseTo(src.rounded(BURST_OK), within(0.0011)))
                .hasEntrySatisfying(SERVICE + " 500", v -> assertThat(v).isCloseTo(src.rounded(BURST_FAILED), within(0.0011)));
        assertThat(byLabels(prometheus, grafana(OUTGOING_SUCCESS_BY_DESTINATION_PLAINTEXT, outbound), src.at(), "destination_service"))
                .containsOnlyKeys(SERVICE).hasEntrySatisfying(SERVICE, v -> assertThat(v).isCloseTo(0.8, within(1e-9)));
    }

    /** Flagger's canary checks over a 1m interval that covers all the traffic. */
    private void assertFlaggerChecks(PrometheusProcess prometheus, Run run) {
        TreeMap<Long, Double> scrapes = prometheus.summedSamples("istio_requests_total[5m]", run.at());
        assertThat(run.at() - scrapes.firstKey()).as("the 1m windows start before Prometheus's first scrape").isLessThan(55_000);
        Map<String, String> canary = Map.of("namespace", NS, "target", SERVER, "interval", "1m");
        double successRate = value(prometheus, flagger(FLAGGER_REQUEST_SUCCESS_RATE, canary), run.at());
        assertThat(successRate).as("Flagger request-success-rate").isCloseTo(80, within(1e-9));
        double p99 = value(prometheus, flagger(FLAGGER_REQUEST_DURATION, canary), run.at());
        // a rate over the whole run, so bounded by the slowest request of all (the first ones warmed the JVMs)
        assertThat(p99).as("Flagger request-duration (ms); client latencies %s", allLatencies)
                .isGreaterThan(25).isLessThanOrEqualTo(bucketCeiling(max(allLatencies)));
        System.out.printf("%d requests (%d ok, %d bursts); irate windows %.3f s (destination), %.3f s (source); Flagger: success rate %.6f, request duration %.2f ms%n",
                run.total(), run.ok(), run.bursts(), run.dst().window(), run.src().window(), successRate, p99);
    }

    /** Kiali's graph: the web-v1 -> reviews edge, asked both ways, with every label Kiali requires. */
    private static void assertKialiGraph(PrometheusProcess prometheus, Run run) {
        for (String kiali : List.of(KIALI_OUTGOING, KIALI_INCOMING)) {
            List<Sample> edges = prometheus.query(kiali, run.at());
            assertThat(edges).as(kiali).hasSize(2);
            Map<String, Double> byCode = new LinkedHashMap<>();
            for (Sample edge : edges) {
                assertThat(edge.labels()).as(kiali)
                        .containsEntry("source_workload_namespace", NS).containsEntry("source_workload", CLIENT)
                        .containsEntry("source_canonical_service", "web").containsEntry("source_canonical_revision", "v1")
                        .containsEntry("destination_service_namespace", NS).containsEntry("destination_service", SERVICE)
                        .containsEntry("destination_service_name", "reviews").containsEntry("destination_workload_namespace", NS)
                        .containsEntry("destination_workload", SERVER).containsEntry("destination_canonical_service", "reviews")
                        .containsEntry("destination_canonical_revision", "v2").containsEntry("request_protocol", "http")
                        .containsEntry("response_flags", "-").containsKeys("source_cluster", "destination_cluster");
                byCode.put(edge.label("response_code"), edge.value());
            }
            assertThat(byCode).containsOnlyKeys("200", "500");
            assertThat(byCode.get("200") / byCode.get("500")).as("the edge's 2xx:5xx").isCloseTo(4.0, within(1e-9));
        }
    }

    private static void phase(String what, long t0) {
        System.out.printf("%6.1f s %s%n", (System.nanoTime() - t0) / 1e9, what);
    }

    /** Requests sent after {@code bursts} bursts. */
    static double total(int bursts) {
        return SEED_OK + SEED_FAILED + bursts * (BURST_OK + BURST_FAILED);
    }

    /** The backend behind reviews-v2's proxy: 200 with 1500 bytes after 30 ms, or 500 with 20 bytes at once for /fail. */
    private int backend(AtomicInteger served) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(threads);
        http.createContext("/", exchange -> answer(exchange, served));
        http.start();
        cleanup.add(() -> {
            http.stop(0);
            threads.shutdownNow();
        });
        return http.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, AtomicInteger served) throws IOException {
        try {
            exchange.getRequestBody().readAllBytes();
            served.incrementAndGet();
            boolean fail = exchange.getRequestURI().getPath().startsWith("/fail");
            if (!fail) Thread.sleep(OK_DELAY_MS);
            byte[] body = new byte[fail ? FAILED_BYTES : OK_BYTES];
            Arrays.fill(body, (byte) 'x');
            exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
            exchange.getResponseBody().write(body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private FicusProcess start(String... args) throws IOException {
        FicusProcess p = FicusProcess.start(args);
        ficus.add(p);
        return p;
    }

    /** One request through web-v1's proxy; the latency the client saw, in ms. */
    private static double send(HttpConnection c, boolean fail) throws IOException {
        long start = System.nanoTime();
        HttpConnection.Response r = c.post(AUTHORITY, fail ? "/fail" : "/ok", new byte[REQUEST_BYTES]);
        double ms = (System.nanoTime() - start) / 1e6;
        assertThat(r.status()).as("status of %s", fail ? "/fail" : "/ok").isEqualTo(fail ? 500 : 200);
        assertThat(r.body()).hasSize(fail ? FAILED_BYTES : OK_BYTES);
        return ms;
    }

    /** Ten connections to web-v1's proxy (so that a burst needs no connect). */
    private List<HttpConnection> connect(int outbound) throws IOException {
        List<HttpConnection> connections = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            HttpConnection c = new HttpConnection(outbound);
            callers.add(c);
            connections.add(c);
        }
        return connections;
    }

    private List<Double> traffic(int outbound, int requests) throws Exception {
        return traffic(connect(outbound), requests / CONNECTIONS);
    }

    /**
     * {@code each} requests on every connection, the connections at once; every fifth request fails.
     * The latencies the client saw, in ms.
     */
    private static List<Double> traffic(List<HttpConnection> connections, int each) throws Exception {
        try (ExecutorService senders = Executors.newFixedThreadPool(connections.size())) {
            List<Future<List<Double>>> all = new ArrayList<>();
            for (int i = 0; i < connections.size(); i++) {
                HttpConnection c = connections.get(i);
                int first = i * each;
                all.add(senders.submit(() -> {
                    List<Double> ms = new ArrayList<>();
                    for (int j = 0; j < each; j++) ms.add(send(c, (first + j) % 5 == 2));
                    return ms;
                }));
            }
            List<Double> latencies = new ArrayList<>();
            for (Future<List<Double>> f : all) latencies.addAll(f.get(60, TimeUnit.SECONDS));
            return latencies;
        }
    }

    /** Waits until Prometheus holds {@code total} requests from both reporters. */
    private static void awaitTotals(PrometheusProcess prometheus, double total, String what) {
        await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            long now = System.currentTimeMillis();
            assertThat(value(prometheus, "sum(istio_requests_total{reporter=\"destination\",destination_workload=\"reviews-v2\"})", now)).isEqualTo(total);
            assertThat(value(prometheus, "sum(istio_requests_total{reporter=\"source\",source_workload=\"web-v1\"})", now)).isEqualTo(total);
        });
    }

    /**
     * Sleeps until just after a scrape, at the start of the longest stretch in which none of
     * {@code targets} is scraped (each keeps a fixed offset in the 1 s interval); returns the
     * stretch's usable ms. With one target the stretch is the whole interval.
     */
    private static long awaitQuietStretch(PrometheusProcess prometheus, List<String> targets) throws InterruptedException {
        long[] phases = prometheus.query("timestamp(up{job=\"ficus\"})", System.currentTimeMillis()).stream()
                .filter(s -> targets.contains(s.label("instance")))
                .mapToLong(s -> Math.round(s.value() * 1000) % 1000).sorted().toArray();
        assertThat(phases).as("scrapes of %s", targets).hasSameSizeAs(targets);
        long start = 0, gap = -1;
        for (int i = 0; i < phases.length; i++) {
            long next = i + 1 < phases.length ? phases[i + 1] : phases[0] + 1000;
            if (next - phases[i] > gap) {
                gap = next - phases[i];
                start = phases[i];
            }
        }
        long now = System.currentTimeMillis();
        long at = now - now % 1000 + (start + SCRAPE_MARGIN_MS) % 1000;
        while (at < now + 20) at += 1000;
        Thread.sleep(at - now);
        return gap - 2 * SCRAPE_MARGIN_MS;
    }

    /**
     * A burst that fell between two scrapes of one proxy: the scrape right after it, the time since
     * the scrape before (what irate() divides by), and the burst's latencies as the client saw them.
     */
    record Fit(long scrape, double window, List<Double> latencies) {
        /** The fit in a proxy's scrapes (time to summed requests), or null when a scrape fell inside the burst. */
        static Fit of(TreeMap<Long, Double> scrapes, double before, double after, List<Double> latencies) {
            long first = firstAt(scrapes, after);
            Map.Entry<Long, Double> previous = scrapes.lowerEntry(first);
            if (previous == null || previous.getValue() != before) return null;
            return new Fit(first, (first - previous.getKey()) / 1000.0, latencies);
        }

        /** Where the irate() panels are asked: just after the scrape that followed the burst. */
        long at() {
            return scrape + 1;
        }

        /** What a dashboard's round(irate(...), 0.001) shows for {@code requests} of the burst. */
        double rounded(int requests) {
            return Math.floor(requests / window * 1000 + 0.5) / 1000;
        }
    }

    /** The first scrape that saw {@code total} requests. */
    static long firstAt(TreeMap<Long, Double> scrapes, double total) {
        return scrapes.entrySet().stream().filter(e -> e.getValue() == total).findFirst().orElseThrow().getKey();
    }

    /** A query whose answer is one series (or a scalar, or one group): its value. */
    static double value(PrometheusProcess prometheus, String promql, long at) {
        List<Sample> r = prometheus.query(promql, at);
        assertThat(r).as(promql).hasSize(1);
        return r.getFirst().value();
    }

    /** The answer as a map from the named labels' values (space-separated) to values. */
    static Map<String, Double> byLabels(PrometheusProcess prometheus, String promql, long at, String... labels) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Sample s : prometheus.query(promql, at)) {
            String key = Arrays.stream(labels).map(s::label).collect(Collectors.joining(" "));
            assertThat(out.put(key, s.value())).as("one series per %s in %s", key, promql).isNull();
        }
        return out;
    }

    /** Grafana's variable interpolation, for single values. */
    static String grafana(String expr, Map<String, String> vars) {
        String out = expr;
        for (Map.Entry<String, String> v : vars.entrySet()) out = out.replace(v.getKey(), v.getValue());
        assertThat(out).as("every variable filled: " + out).doesNotContain("$");
        return out;
    }

    /** Flagger's template rendering ({{ namespace }}, {{ target }}, {{ interval }}). */
    static String flagger(String template, Map<String, String> model) {
        String out = template;
        for (Map.Entry<String, String> v : model.entrySet()) out = out.replace("{{ " + v.getKey() + " }}", v.getValue());
        assertThat(out).doesNotContain("{{");
        return out;
    }

    static Map<String, String> with(Map<String, String> vars, String key, String value) {
        Map<String, String> out = new LinkedHashMap<>(vars);
        out.put(key, value);
        return out;
    }

    /**
     * A latency quantile over one burst: above 25 ms (the quantile's rank lies among the OK requests,
     * each of which spent 30 ms in the backend) and at most the top of the Envoy bucket holding the
     * client's latency of that rank (every proxy measures less than the client).
     */
    static void assertLatency(String what, double ms, double q, Fit burst) {
        List<Double> sorted = burst.latencies().stream().sorted().toList();
        int rank = (int) Math.ceil(q * sorted.size());
        assertThat(rank).as("the rank lies among the OK requests").isGreaterThan(BURST_FAILED);
        assertThat(ms).as("%s (ms); client latencies %s", what, sorted).isGreaterThan(25).isLessThanOrEqualTo(bucketCeiling(sorted.get(rank - 1)));
    }

    /** The upper bound of Envoy's bucket that holds {@code ms}. */
    static double bucketCeiling(double ms) {
        for (double b : ENVOY_BUCKETS) if (ms <= b) return b;
        return Double.POSITIVE_INFINITY;
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }
}
