package dev.ficus.xds.sync;

import java.util.Objects;

/**
 * One resource on the wire: its type and name (unique per type), a content hash (equal content,
 * equal hash: what lets either side skip a resource the other already has) and the JSON body.
 */
public record WireResource(ResourceType type, String name, String hash, String body) {
    public WireResource {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(body, "body");
    }

    public ResourceKey key() { return new ResourceKey(type, name); }
}
