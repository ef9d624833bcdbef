/** The admin port: readiness, health, config dump, Prometheus statistics and drain. */
package dev.ficus.proxy.admin;
