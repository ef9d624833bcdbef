/**
 * {@code ficus bench control}: the control plane at scale. A generated mesh of thousands of
 * services, the real control plane in-process, and a thousand light simulated proxies on its sync
 * stream; measures how long a config change takes to reach every proxy, what a push carries, and
 * the heap it all needs.
 */
package dev.ficus.bench.control;
