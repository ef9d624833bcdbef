/**
 * The control plane's reader of parallel runs: what every connected proxy compared for a Rollout
 * (its admin page {@code /parallel-runs}), merged into one report for the rollout controller,
 * the API and the CLI.
 */
package dev.ficus.control.parallelrun;
