/**
 * Parallel runs (a Rollout's {@code parallelRun} strategy): the answers of stable, candidate and
 * secondary to the same request, kept on the event loop and compared on a thread of their own,
 * with Diffy's noise filter; the results per run for the admin port and Prometheus.
 */
package dev.ficus.proxy.parallelrun;
