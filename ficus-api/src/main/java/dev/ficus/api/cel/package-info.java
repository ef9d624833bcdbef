/**
 * The small part of CEL that Istio's access-log filters use ({@code Telemetry}
 * {@code accessLogging[].filter.expression}, e.g. {@code response.code >= 400}): parsed and
 * type-checked once, so that validation refuses what the proxy cannot evaluate with a position,
 * and evaluated per request by the proxy without allocating. Nothing here knows the proxy: it reads
 * request attributes through {@link dev.ficus.api.cel.CelActivation}.
 */
package dev.ficus.api.cel;
