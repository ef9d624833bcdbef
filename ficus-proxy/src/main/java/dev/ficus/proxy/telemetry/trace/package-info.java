/**
 * Tracing, a telemetry observer of each HTTP exchange: reads the caller's trace context (W3C
 * {@code traceparent}, B3), decides sampling, sends the new span's context upstream and hands
 * sampled spans to the OpenTelemetry SDK's batch exporter (OTLP), off the event loop.
 */
package dev.ficus.proxy.telemetry.trace;
