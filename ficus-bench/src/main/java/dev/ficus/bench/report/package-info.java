/**
 * Writes a {@link dev.ficus.bench.load.LoadResult} for people (a text summary) and for tools:
 * Service Mesh Performance (SMP) result JSON and Fortio result JSON, so that existing dashboards
 * and comparison scripts read ficus runs unchanged.
 */
package dev.ficus.bench.report;
