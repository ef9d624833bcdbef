package dev.ficus.xds.sync;

import java.util.Objects;

/** A resource's identity: type and name. */
public record ResourceKey(ResourceType type, String name) implements Comparable<ResourceKey> {
    public ResourceKey {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public int compareTo(ResourceKey o) {
        int c = type.compareTo(o.type);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() { return type + "/" + name; }
}
