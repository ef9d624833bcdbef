package dev.ficus.api.validate;

import dev.ficus.api.Kind;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.mesh.Rollout;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Rollout kind: every field binds; each mistake is reported at its line with its field path. */
class RolloutChecksTest {

    private static final String MESH = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews]
              http:
              - name: primary
                route:
                - destination: {host: reviews, subset: v1}
            ---
            """;

    private static ConfigLoader.Result load(String rollout) {
        return Validator.loadAndValidateString("rollout.yaml", MESH + rollout);
    }

    private static List<String> lines(ConfigLoader.Result r) {
        return r.diagnostics().stream().map(Diagnostic::format).toList();
    }

    @Test
    void aCanaryBindsEveryField() {
        ConfigLoader.Result r = load("""
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: reviews, namespace: shop}
                spec:
                  virtualService: reviews
                  routes: [primary]
                  stable: {host: reviews, subset: v1}
                  canary: {host: reviews, subset: v2}
                  progressDeadline: 5m
                  strategy:
                    canary:
                      steps:
                      - setWeight: 10
                      - pause: {duration: 30s}
                      - analysis: {checks: 2}
                      - setWeight: 50
                      - pause: {}
                      match:
                      - headers: {x-canary: {exact: "1"}}
                      iterations: 3
                  analysis:
                    interval: 10s
                    failureLimit: 3
                    minRequests: 20
                    metrics:
                    - name: request-success-rate
                      thresholdRange: {min: 99}
                    - name: request-duration
                      thresholdRange: {max: 500}
                    - name: cpu
                      query: sum(rate(process_cpu_seconds_total[1m]))
                      thresholdRange: {max: 2}
                    webhooks:
                    - name: smoke
                      type: pre-rollout
                      url: http://127.0.0.1:9000/smoke
                      timeout: 5s
                      metadata: {suite: smoke}
                    prometheus: {address: "http://127.0.0.1:9090"}
                """);
        assertThat(lines(r)).isEmpty();
        Rollout ro = r.config().all(Kind.ROLLOUT, Rollout.class).getFirst().spec();
        assertThat(ro.strategy().name()).isEqualTo("canary");
        assertThat(ro.strategy().canary().steps()).hasSize(5);
        assertThat(ro.strategy().canary().steps().get(1).pause().duration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(ro.strategy().canary().steps().get(4).pause()).isNotNull();
        assertThat(ro.strategy().canary().steps().get(4).pause().duration()).isNull();
        assertThat(ro.strategy().canary().steps().get(2).analysis().checks()).isEqualTo(2);
        assertThat(ro.strategy().canary().match().getFirst().headers()).containsKey("x-canary");
        assertThat(ro.analysisOrDefault().intervalOrDefault()).isEqualTo(Duration.ofSeconds(10));
        assertThat(ro.analysisOrDefault().metrics().get(1).thresholdRange().max()).isEqualTo(500.0);
        assertThat(ro.analysisOrDefault().webhooks().getFirst().metadata()).containsEntry("suite", "smoke");
        assertThat(ro.progressDeadlineOrDefault()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void defaultsWhenUnset() {
        ConfigLoader.Result r = load("""
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: reviews, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: reviews, subset: v1}
                  canary: {host: reviews, subset: v2}
                  strategy:
                    canary: {stepWeight: 25}
                """);
        assertThat(lines(r)).isEmpty();
        Rollout ro = r.config().all(Kind.ROLLOUT, Rollout.class).getFirst().spec();
        assertThat(ro.analysisOrDefault().intervalOrDefault()).isEqualTo(Duration.ofSeconds(30));
        assertThat(ro.analysisOrDefault().failureLimitOrDefault()).isEqualTo(2);
        assertThat(ro.progressDeadlineOrDefault()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void mistakesAreReportedWithLineAndPath() {
        ConfigLoader.Result r = load("""
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: reviews, namespace: shop}
                spec:
                  virtualService: reviewz
                  stable: {host: reviews, subset: v1}
                  canary: {host: reviews, subset: v1}
                  strategy:
                    canary:
                      stepWeights: [20, 10, 150]
                  analysis:
                    failureLimit: 0
                    metrics:
                    - name: latency
                      thresholdRange: {max: 100}
                    - name: request-success-rate
                    webhooks:
                    - name: gate
                      type: before
                      url: ftp://example
                """);
        assertThat(r.hasErrors()).isTrue();
        assertThat(lines(r)).anySatisfy(l -> assertThat(l).contains("rollout.yaml:24").contains("spec.virtualService")
                        .contains("no VirtualService 'reviewz' in namespace shop"))
                .anySatisfy(l -> assertThat(l).contains("spec.canary").contains("same destination as stable"))
                .anySatisfy(l -> assertThat(l).contains("spec.strategy.canary.stepWeights[1]").contains("must rise"))
                .anySatisfy(l -> assertThat(l).contains("spec.strategy.canary.stepWeights[2]").contains("1..100"))
                .anySatisfy(l -> assertThat(l).contains("spec.analysis.failureLimit").contains("at least 1"))
                .anySatisfy(l -> assertThat(l).contains("spec.analysis.metrics[0].name").contains("not a built-in metric"))
                .anySatisfy(l -> assertThat(l).contains("spec.analysis.metrics[1].thresholdRange").contains("needs a thresholdRange"))
                .anySatisfy(l -> assertThat(l).contains("spec.analysis.webhooks[0].type").contains("unknown webhook type 'before'"))
                .anySatisfy(l -> assertThat(l).contains("spec.analysis.webhooks[0].url").contains("not an http:// or https:// URL"));
    }

    @Test
    void oneStrategyExactly() {
        ConfigLoader.Result r = load("""
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: reviews, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: reviews, subset: v1}
                  canary: {host: reviews, subset: v2}
                  strategy:
                    canary: {stepWeight: 10}
                    blueGreen: {}
                """);
        assertThat(lines(r)).anySatisfy(l -> assertThat(l).contains("spec.strategy").contains("error"));
    }

    @Test
    void aStranglerNamesItsRoutes() {
        ConfigLoader.Result ok = load("""
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: shop, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: reviews, subset: v1}
                  strategy:
                    strangler:
                      routes:
                      - name: ratings
                        match: [{uri: {prefix: /ratings}}]
                        destination: {host: reviews, subset: v2}
                        migrate: true
                      - name: stars
                        match: [{uri: {regex: "/stars/[0-9]+"}, method: {exact: GET}}]
                        destination: {host: reviews, subset: v2}
                        canary: {stepWeights: [10, 50]}
                      fallback: {allowNonIdempotent: false}
                """);
        assertThat(lines(ok)).isEmpty();
        Rollout.Strangler s = ok.config().all(Kind.ROLLOUT, Rollout.class).getFirst().spec().strategy().strangler();
        assertThat(s.routes().getFirst().migrating()).isTrue();
        assertThat(s.routes().get(1).migrating()).isFalse();
        assertThat(s.fallback().on()).isTrue();

        ConfigLoader.Result bad = load("""
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: shop, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: reviews, subset: v1}
                  strategy:
                    strangler:
                      routes:
                      - name: a
                        match: []
                        destination: {host: reviews, subset: v1}
                      - name: a
                        match: [{uri: {regex: "(?=x)"}}]
                        destination: {host: reviews, subset: v2}
                """);
        assertThat(lines(bad)).anySatisfy(l -> assertThat(l).contains("routes[0].match").contains("at least one match"))
                .anySatisfy(l -> assertThat(l).contains("routes[0].destination").contains("legacy service itself"))
                .anySatisfy(l -> assertThat(l).contains("routes[1].name").contains("used twice"))
                .anySatisfy(l -> assertThat(l).contains("routes[1].match[0].uri.regex").contains("RE2"));
    }
}
