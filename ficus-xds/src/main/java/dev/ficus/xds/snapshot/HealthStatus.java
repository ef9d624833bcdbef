package dev.ficus.xds.snapshot;

/** What the registry knows about an endpoint's health; only {@code HEALTHY} endpoints get new requests. */
public enum HealthStatus { HEALTHY, UNHEALTHY, DRAINING }
