package dev.ficus.api.config;

import java.util.ArrayList;
import java.util.List;

/** Collects diagnostics while loading and validating; single-threaded. */
public final class Diagnostics {
    private final List<Diagnostic> list = new ArrayList<>();

    public void add(Diagnostic d) {
        list.add(d);
    }

    public boolean hasErrors() {
        for (Diagnostic d : list) {
            if (d.isError()) return true;
        }
        return false;
    }

    /** All diagnostics, sorted by file and position, duplicates removed. */
    public List<Diagnostic> sorted() {
        return list.stream().distinct().sorted().toList();
    }

    /** The diagnostics added since the first {@code from}, in the order added. */
    public List<Diagnostic> since(int from) {
        return List.copyOf(list.subList(from, list.size()));
    }

    public int size() {
        return list.size();
    }
}
