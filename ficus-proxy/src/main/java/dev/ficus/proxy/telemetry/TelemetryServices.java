package dev.ficus.proxy.telemetry;

import java.util.List;

/**
 * The process-wide parts of telemetry that every snapshot's listeners share: the registry of
 * Istio's standard metrics and the makers of tracing and access-log observers.
 */
public record TelemetryServices(IstioMetrics metrics, List<ExchangeObserver.Factory> observers) {
    public TelemetryServices {
        observers = List.copyOf(observers);
    }

    /** Metrics only: no tracing, no access log. */
    public static TelemetryServices metricsOnly(IstioMetrics metrics) { return new TelemetryServices(metrics, List.of()); }
}
