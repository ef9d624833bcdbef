/** Regression checks between two benchmark results ({@code ficus bench compare}), for CI pipelines. */
package dev.ficus.bench.compare;
