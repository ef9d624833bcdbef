package dev.ficus.api.telemetry;

import dev.ficus.api.bind.OneOf;

/**
 * Istio's {@code MetricSelector}: a standard metric or a custom one by name, and the direction.
 * With neither {@code metric} nor {@code customMetric} it selects all standard metrics.
 */
@OneOf({"metric", "customMetric"})
public record MetricSelector(IstioMetric metric, String customMetric, WorkloadMode mode) {

    /** Istio's {@code MetricSelector.IstioMetric}, with the Prometheus names ficus exports. */
    public enum IstioMetric {
        ALL_METRICS(""),
        REQUEST_COUNT("istio_requests_total"),
        REQUEST_DURATION("istio_request_duration_milliseconds"),
        REQUEST_SIZE("istio_request_bytes"),
        RESPONSE_SIZE("istio_response_bytes"),
        TCP_OPENED_CONNECTIONS("istio_tcp_connections_opened_total"),
        TCP_CLOSED_CONNECTIONS("istio_tcp_connections_closed_total"),
        TCP_SENT_BYTES("istio_tcp_sent_bytes_total"),
        TCP_RECEIVED_BYTES("istio_tcp_received_bytes_total"),
        GRPC_REQUEST_MESSAGES("istio_request_messages_total"),
        GRPC_RESPONSE_MESSAGES("istio_response_messages_total");

        private final String prometheusName;

        IstioMetric(String prometheusName) {
            this.prometheusName = prometheusName;
        }

        /** The exported name, empty for {@link #ALL_METRICS}. */
        public String prometheusName() {
            return prometheusName;
        }
    }

    /** Whether the standard metric {@code m} is selected. */
    public boolean selects(IstioMetric m) {
        if (customMetric != null) return false;
        return metric == null || metric == IstioMetric.ALL_METRICS || metric == m;
    }
}
