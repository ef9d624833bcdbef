/**
 * Istio's telemetry.istio.io/v1 Telemetry kind as immutable records: tracing, metrics and access
 * logging overrides per mesh, namespace or workload, read by the proxy's {@code telemetry} stage.
 */
package dev.ficus.api.telemetry;
