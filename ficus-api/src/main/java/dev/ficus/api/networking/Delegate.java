package dev.ficus.api.networking;

/** Names the VirtualService whose HTTP routes are merged in place of this route; namespace defaults to the root's. */
public record Delegate(String name, String namespace) {
}
