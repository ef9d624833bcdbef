/** Lock-free counters per listener and per cluster, and their Prometheus text form. */
package dev.ficus.proxy.telemetry;
