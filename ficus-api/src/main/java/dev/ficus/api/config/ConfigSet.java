package dev.ficus.api.config;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every resource of one load, in file order. Immutable; cross-resource checks and the translator
 * look resources up here.
 */
public record ConfigSet(List<Resource<?>> resources) {

    public ConfigSet {
        resources = List.copyOf(resources);
    }

    public static ConfigSet empty() {
        return new ConfigSet(List.of());
    }

    /** Resources of one kind with their spec type, in load order. */
    public <S> List<Resource<S>> all(Kind kind, Class<S> specType) {
        List<Resource<S>> out = new ArrayList<>();
        for (Resource<?> r : resources) {
            if (r.kind() == kind) out.add(r.as(specType));
        }
        return out;
    }

    public List<Resource<?>> all(Kind kind) {
        return resources.stream().filter(r -> r.kind() == kind).toList();
    }

    public Optional<Resource<?>> find(Kind kind, String namespace, String name) {
        return resources.stream()
                .filter(r -> r.kind() == kind && r.namespace().equals(namespace) && r.name().equals(name))
                .findFirst();
    }

    public int size() {
        return resources.size();
    }
}
