package dev.ficus.api.networking;

/** A port of a Sidecar listener; {@code protocol} is case-insensitive like Port's. */
public record SidecarPort(Integer number, String protocol, String name, Integer targetPort) {
}
