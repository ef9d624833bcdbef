package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Telemetry overrides of GRPC_REQUEST_MESSAGES / GRPC_RESPONSE_MESSAGES reach the proxy under the names it exports. */
class GrpcMessageOverridesTest {
    @Test
    void grpcMessageMetricsAreOverriddenByTheirPrometheusNames() {
        String yaml = TelemetryTranslatorTest.MESH + """
                ---
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: web, namespace: shop}
                spec:
                  selector: {matchLabels: {app: web}}
                  metrics:
                  - overrides:
                    - match: {metric: GRPC_REQUEST_MESSAGES, mode: CLIENT}
                      disabled: true
                    - match: {metric: GRPC_RESPONSE_MESSAGES}
                      tagOverrides: {rpc: {value: request.url_path}, source_version: {operation: REMOVE}}
                """;
        List<TelemetryPolicy.MetricOverride> out = TranslatorTest.translate(yaml, TelemetryTranslatorTest.WEB).snapshot().listeners().stream()
                .filter(l -> l.kind() == ListenerKind.OUTBOUND).map(ListenerConfig::telemetry).findFirst().orElseThrow().metrics().overrides();
        assertThat(out).containsExactly(
                new TelemetryPolicy.MetricOverride("istio_request_messages_total", true, List.of(), Map.of()),
                new TelemetryPolicy.MetricOverride("istio_response_messages_total", false, List.of("source_version"), Map.of("rpc", "request.url_path")));
        assertThat(out.getFirst().appliesTo("istio_requests_total")).isFalse();
    }
}
