package dev.ficus.api.telemetry;

import java.time.Duration;
import java.util.List;

/**
 * Istio's {@code Metrics}: overrides of metric generation for the named providers (the mesh's
 * default provider when none). Overrides apply in order, after those of parent scopes.
 *
 * @param reportingInterval how often long-lived (TCP) connections report; Istio's default is 5s
 */
public record Metrics(List<ProviderRef> providers, List<MetricsOverrides> overrides, Duration reportingInterval) {
}
