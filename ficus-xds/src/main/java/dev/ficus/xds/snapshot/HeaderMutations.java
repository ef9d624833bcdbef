package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Header edits a route applies to requests or responses, in Istio's order: remove, then set
 * (replace), then add (append).
 */
public record HeaderMutations(List<String> remove, List<Header> set, List<Header> add) {
    public static final HeaderMutations NONE = new HeaderMutations(List.of(), List.of(), List.of());

    public HeaderMutations {
        remove = Objects.requireNonNull(remove, "remove").stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
        set = List.copyOf(Objects.requireNonNull(set, "set"));
        add = List.copyOf(Objects.requireNonNull(add, "add"));
    }

    public boolean isEmpty() { return remove.isEmpty() && set.isEmpty() && add.isEmpty(); }

    /** One header field; the name is stored lower-case. */
    public record Header(String name, String value) {
        public Header {
            name = Objects.requireNonNull(name, "name").toLowerCase(Locale.ROOT);
            Objects.requireNonNull(value, "value");
        }
    }
}
