/**
 * Access logs: one JSON line per HTTP exchange with Envoy's and Istio's field names, for the
 * listeners that the Telemetry API or {@code ficus proxy --access-log} turn on, filtered by a CEL
 * expression and sampled. The event loop copies an exchange into a slot of a bounded lock-free
 * ring; one writer thread formats and writes, and when it falls behind lines are dropped and
 * counted rather than slowing a request.
 */
package dev.ficus.proxy.telemetry.accesslog;
