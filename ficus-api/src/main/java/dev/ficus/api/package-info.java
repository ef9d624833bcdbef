/**
 * The configuration model every part of ficus shares: Istio's resources and ficus's own kinds
 * (mesh.ficus.dev) as immutable records, loaded from YAML with positions, and validated like
 * {@code istioctl analyze}, only stricter. Nothing here runs on the request path; the translator
 * (ficus-xds) turns these into snapshots.
 */
package dev.ficus.api;
