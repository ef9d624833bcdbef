package dev.ficus.proxy;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.translate.ProxyIdentity;
import dev.ficus.xds.translate.TranslateOptions;
import dev.ficus.xds.translate.Translator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A strangler's moved route with a fallback, as the rollout controller writes it (a route named
 * {@code strangler-<name>} and the Rollout beside it), through the translator into a real proxy
 * with real backends: when the new service fails for good, an idempotent request is answered by
 * the legacy service instead; other methods are not sent twice unless the fallback allows it.
 */
class StranglerFallbackTest {
    static {
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host,connection");
    }

    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
        client.close();
    }

    static String mesh(int legacy, int reviews, String fallback) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: monolith, namespace: shop}
                spec:
                  hosts: [monolith.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: monolith, namespace: shop}
                spec:
                  hosts: [monolith.shop.svc.cluster.local]
                  http:
                  - name: strangler-reviews
                    match: [{uri: {prefix: /api/reviews}}]
                    retries: {attempts: 1, retryOn: connect-failure}
                    route: [{destination: {host: reviews.shop.svc.cluster.local}}]
                  - name: legacy
                    route: [{destination: {host: monolith.shop.svc.cluster.local}}]
                ---
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: shop, namespace: shop}
                spec:
                  virtualService: monolith
                  stable: {host: monolith.shop.svc.cluster.local}
                  strategy:
                    strangler:
                      routes:
                      - name: reviews
                        match: [{uri: {prefix: /api/reviews}}]
                        destination: {host: reviews.shop.svc.cluster.local}
                        migrate: true
                      fallback: %s
                """.formatted(legacy, reviews, fallback);
    }

    ProxyServer proxy(String yaml) throws Exception {
        ConfigLoader.Result r = Validator.loadAndValidateString("shop.yaml", yaml);
        assertThat(r.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)).isEmpty();
        ProxySnapshot s = Translator.translate(Validator.effective(r.config()), new ProxyIdentity("web", "shop", Map.of("app", "web"), null),
                TranslateOptions.DEFAULTS.withOutboundPort(0)).snapshot();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start();
        closeLater.add(p);
        return p;
    }

    FakeUpstream upstream(String name) {
        FakeUpstream u = FakeUpstream.start(name);
        closeLater.add(u);
        return u;
    }

    HttpResponse<String> send(ProxyServer p, String method, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("outbound") + path))
                .header("Host", "monolith.shop.svc.cluster.local:8080").timeout(Duration.ofSeconds(10))
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{\"stars\":5}")).build();
        return client.send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aFailedIdempotentRequestIsAnsweredByLegacy() throws Exception {
        FakeUpstream legacy = upstream("monolith");
        FakeUpstream reviews = upstream("reviews");
        ProxyServer p = proxy(mesh(legacy.port(), reviews.port(), "{}"));

        assertThat(send(p, "GET", "/api/reviews/1").body()).as("healthy: the new service answers").isEqualTo("reviews");
        assertThat(send(p, "GET", "/api/products").body()).as("not moved: legacy").isEqualTo("monolith");

        reviews.failWith(503);
        HttpResponse<String> r = send(p, "GET", "/api/reviews/1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).as("the new service failed: legacy answers").isEqualTo("monolith");
        assertThat(legacy.seen()).anySatisfy(s -> assertThat(s.path()).isEqualTo("/api/reviews/1"));

        HttpResponse<String> post = send(p, "POST", "/api/reviews/1");
        assertThat(post.statusCode()).as("POST is not sent twice").isEqualTo(503);
        assertThat(legacy.seen()).noneSatisfy(s -> assertThat(s.method()).isEqualTo("POST"));

        HttpResponse<String> put = send(p, "PUT", "/api/reviews/1");
        assertThat(put.statusCode()).as("PUT is idempotent").isEqualTo(200);
        assertThat(legacy.seen()).anySatisfy(s -> {
            assertThat(s.method()).isEqualTo("PUT");
            assertThat(s.bodyBytes()).as("the body is replayed").isEqualTo(11);
        });

        reviews.close(); // refused connections
        assertThat(send(p, "GET", "/api/reviews/2").body()).isEqualTo("monolith");
    }

    @Test
    void anyMethodFallsBackWhenAllowedAndLegacyFailingTooIsAnswered() throws Exception {
        FakeUpstream legacy = upstream("monolith");
        FakeUpstream reviews = upstream("reviews");
        reviews.failWith(500);
        ProxyServer p = proxy(mesh(legacy.port(), reviews.port(), "{allowNonIdempotent: true}"));
        assertThat(send(p, "POST", "/api/reviews/1").body()).isEqualTo("monolith");

        legacy.failWith(502);
        HttpResponse<String> r = send(p, "GET", "/api/reviews/1");
        assertThat(r.statusCode()).as("legacy's own answer, once: no loop").isEqualTo(502);
    }

    @Test
    void noFallbackWithoutOneInTheRollout() throws Exception {
        FakeUpstream legacy = upstream("monolith");
        FakeUpstream reviews = upstream("reviews");
        reviews.failWith(503);
        ProxyServer p = proxy(mesh(legacy.port(), reviews.port(), "{enabled: false}"));
        assertThat(send(p, "GET", "/api/reviews/1").statusCode()).isEqualTo(503);
        assertThat(legacy.requestCount()).isZero();
    }
}
