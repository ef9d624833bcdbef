package dev.ficus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.testing.FakeUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./ficus proxy} on a VirtualService that routes by query parameter, scheme, method
 * prefix and case-insensitive path, edits headers per destination and redirects to another
 * port: each as Istio applies it, none logged as "not applied".
 */
class ProxyRouteMatchIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    private FakeUpstream upstream(String name) {
        FakeUpstream u = FakeUpstream.start(name);
        cleanup.add(u);
        return u;
    }

    static String mesh(FakeUpstream v1, FakeUpstream v2) {
        return """
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
                metadata: {name: reviews-v1, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews, version: v1}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v2, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews, version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{queryParams: {version: {exact: "2"}}}, {scheme: {exact: https}}, {method: {prefix: P}}, {uri: {prefix: /Beta/}, ignoreUriCase: true}]
                    route: [{destination: {host: reviews, subset: v2}, headers: {request: {set: {x-picked: v2}}, response: {set: {x-version: v2}}}}]
                  - match: [{uri: {exact: /old}}]
                    redirect: {derivePort: FROM_REQUEST_PORT, uri: /new}
                  - route: [{destination: {host: reviews, subset: v1}, headers: {response: {set: {x-version: v1}}}}]
                """.formatted(v1.port(), v2.port());
    }

    @Test
    void routesByQuerySchemeMethodAndCaseAndRedirectsToTheRoutesPort(@TempDir Path dir) throws Exception {
        FakeUpstream v1 = upstream("v1");
        FakeUpstream v2 = upstream("v2");
        Files.writeString(dir.resolve("shop.yaml"), mesh(v1, v2));
        ProxyProcess p = ProxyProcess.start(dir);
        cleanup.add(p);
        int port = p.ports().outbound();
        try (HttpConnection c = new HttpConnection(port)) {
            assertThat(c.get("reviews:9080", "/r?version=2").body()).isEqualTo("v2");
            assertThat(c.get("reviews:9080", "/r?version=%32").body()).as("raw, not decoded").isEqualTo("v1");
            assertThat(c.get("reviews:9080", "/r?version=1").body()).isEqualTo("v1");
            assertThat(c.post("reviews:9080", "/r", new byte[3]).body()).isEqualTo("v2");
            assertThat(c.get("reviews:9080", "/BETA/x").body()).isEqualTo("v2");
            HttpConnection.Response plain = c.get("reviews:9080", "/r");
            assertThat(plain.body()).isEqualTo("v1");
            assertThat(plain.header("x-version")).isEqualTo("v1");
            HttpConnection.Response moved = c.get("reviews:9080", "/old?q=1");
            assertThat(moved.status()).isEqualTo(301);
            assertThat(moved.header("location")).isEqualTo("http://reviews:9080/new?q=1");
        }
        assertThat(v2.seen()).allSatisfy(s -> assertThat(s.header("x-picked")).isEqualTo("v2"));
        // HTTP/2 with :scheme https (h2c, prior knowledge)
        Process n = new ProcessBuilder("nghttp", "-H", ":scheme: https", "-H", ":authority: reviews:9080", "http://127.0.0.1:" + port + "/s").redirectErrorStream(true).start();
        assertThat(n.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(n.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim()).isEqualTo("v2");
        assertThat(p.log()).noneMatch(l -> l.contains("not applied by the proxy"));
    }
}
