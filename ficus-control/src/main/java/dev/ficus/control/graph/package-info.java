/**
 * The service graph: the control plane reads every connected proxy's Istio metrics (admin
 * {@code /stats/prometheus}), keeps a short history per proxy and answers who calls whom, with
 * rates, error shares, latency percentiles and mTLS, over a window ({@code GET /v1/graph}).
 */
package dev.ficus.control.graph;
