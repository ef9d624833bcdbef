package dev.ficus.xds.translate;

import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the listeners of a proxy report: its workload, its services, and the Telemetry resources that apply, by scope and direction. */
class TelemetryTranslatorTest {
    static final String MESH = """
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
            kind: Sidecar
            metadata: {name: reviews, namespace: shop}
            spec:
              workloadSelector: {labels: {app: reviews}}
              ingress: [{port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:19080"}]
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: mesh-default, namespace: istio-system}
            spec:
              tracing: [{randomSamplingPercentage: 10.0, customTags: {env: {literal: {value: prod}}}}]
              accessLogging: [{providers: [{name: envoy}]}]
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: shop, namespace: shop}
            spec:
              tracing: [{customTags: {user: {header: {name: x-user, defaultValue: anonymous}}}}]
              metrics:
              - overrides:
                - match: {metric: REQUEST_COUNT, mode: SERVER}
                  tagOverrides: {team: {value: "'reviews'"}, source_version: {operation: REMOVE}}
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: reviews, namespace: shop}
            spec:
              selector: {matchLabels: {app: reviews}}
              tracing: [{match: {mode: SERVER}, randomSamplingPercentage: 100.0}]
              accessLogging: [{match: {mode: CLIENT}, disabled: true}]
            """;

    static final ProxyIdentity REVIEWS = new ProxyIdentity("reviews-v2", "shop", Map.of("app", "reviews", "version", "v2"), "reviews");
    static final ProxyIdentity WEB = new ProxyIdentity("web", "shop", Map.of("app", "web"), "web");

    static TelemetryPolicy policy(ProxyIdentity who, ListenerKind kind) {
        return TranslatorTest.translate(MESH, who).snapshot().listeners().stream().filter(l -> l.kind() == kind)
                .map(ListenerConfig::telemetry).findFirst().orElseThrow();
    }

    @Test
    void theLocalWorkloadAndItsServicesNameEveryListener() {
        TelemetryPolicy in = policy(REVIEWS, ListenerKind.INBOUND);
        assertThat(in.local()).isEqualTo(new TelemetryPolicy.PeerWorkload("reviews-v2", "shop", "reviews", "v2"));
        assertThat(in.services()).containsExactly(new TelemetryPolicy.ServiceRef("reviews.shop.svc.cluster.local", "reviews", "shop"));
        TelemetryPolicy out = policy(REVIEWS, ListenerKind.OUTBOUND);
        assertThat(out.local()).isEqualTo(in.local());
        assertThat(out.services()).as("destination_service on the client side comes from the cluster").isEmpty();
    }

    @Test
    void tracingFieldsComeFromTheMostSpecificLevelThatSetsThemAndTagsMerge() {
        TelemetryPolicy.Tracing in = policy(REVIEWS, ListenerKind.INBOUND).tracing();
        assertThat(in.samplingPercent()).isEqualTo(100.0);
        assertThat(in.customTags()).containsOnlyKeys("env", "user");
        assertThat(in.customTags().get("user")).isEqualTo(new TelemetryPolicy.CustomTag(TelemetryPolicy.CustomTag.Kind.HEADER, "x-user", "anonymous"));
        assertThat(policy(REVIEWS, ListenerKind.OUTBOUND).tracing().samplingPercent()).as("the workload's SERVER setting does not reach CLIENT").isEqualTo(10.0);
        assertThat(policy(WEB, ListenerKind.OUTBOUND).tracing().samplingPercent()).isEqualTo(10.0);
    }

    @Test
    void metricOverridesApplyByDirection() {
        TelemetryPolicy.Metrics in = policy(REVIEWS, ListenerKind.INBOUND).metrics();
        assertThat(in.enabled()).isTrue();
        assertThat(in.overrides()).singleElement().satisfies(o -> {
            assertThat(o.metric()).isEqualTo("istio_requests_total");
            assertThat(o.removeTags()).containsExactly("source_version");
            assertThat(o.upsertTags()).containsExactly(Map.entry("team", "'reviews'"));
        });
        assertThat(policy(REVIEWS, ListenerKind.OUTBOUND).metrics().overrides()).isEmpty();
    }

    @Test
    void accessLoggingIsTheMostSpecificLevelsChoice() {
        assertThat(policy(REVIEWS, ListenerKind.INBOUND).accessLog().enabled(false)).as("mesh turns it on").isTrue();
        assertThat(policy(REVIEWS, ListenerKind.OUTBOUND).accessLog().enabled(true)).as("the workload turns CLIENT off").isFalse();
        assertThat(policy(WEB, ListenerKind.OUTBOUND).accessLog().enabled(false)).isTrue();
    }

    @Test
    void disablingEveryMetricTurnsMetricsOff() {
        String yaml = MESH + """
                ---
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: web, namespace: shop}
                spec:
                  selector: {matchLabels: {app: web}}
                  metrics: [{overrides: [{disabled: true}]}]
                """;
        TelemetryPolicy out = TranslatorTest.translate(yaml, WEB).snapshot().listeners().getFirst().telemetry();
        assertThat(out.metrics().enabled()).isFalse();
    }

    @Test
    void shortNamesAreIstios() {
        assertThat(TelemetryTranslator.shortName("reviews.shop.svc.cluster.local", "shop")).isEqualTo("reviews");
        assertThat(TelemetryTranslator.shortName("api.example.com", "shop")).isEqualTo("api.example.com");
    }
}
