/** The admin port: readiness, health, config dump, Prometheus statistics, the mTLS and parallel-run views, and drain. */
package dev.ficus.proxy.admin;
