package dev.ficus.api.networking;

/** Selects a port of a destination service by number. */
public record PortSelector(Integer number) {
}
