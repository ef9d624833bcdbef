/** The load generator and the performance-impact analysis behind `ficus bench` (issue #6). */
package dev.ficus.bench;
