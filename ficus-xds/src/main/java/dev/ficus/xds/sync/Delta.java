package dev.ficus.xds.sync;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one push carries to take a proxy from the resources it holds to a snapshot's: the resources
 * whose hash differs from the one held under the same key (or that are not held), sorted by key,
 * and the keys held that the snapshot no longer has, sorted. Made on the sync server's push thread,
 * once for every proxy it fits (proxies of one identity hold the same resources); {@link #json()}
 * is the changed resources as the push carries them, serialised once for all of those proxies.
 */
public final class Delta {
    static final Comparator<WireResource> BY_KEY = Comparator.comparing(WireResource::type).thenComparing(WireResource::name);

    private final List<WireResource> changed;
    private final List<ResourceKey> removed;
    private byte[] json; // made on first use

    Delta(List<WireResource> changed, List<ResourceKey> removed) {
        this.changed = List.copyOf(changed);
        this.removed = List.copyOf(removed);
    }

    /**
     * The delta from the hashes a proxy holds to every resource of a snapshot ({@code all}, by key):
     * it looks at every resource, so it serves a proxy whose holdings are known only by its hello's
     * hashes. A proxy that holds a snapshot we pushed gets {@link SnapshotResources.Encoder#diff} instead,
     * which looks only at what changed between the two snapshots and comes out the same.
     */
    public static Delta of(Map<ResourceKey, String> held, Map<ResourceKey, WireResource> all) {
        List<WireResource> changed = new ArrayList<>();
        int kept = 0; // keys of held still present: when that is all of them, nothing was removed
        for (var e : all.entrySet()) {
            String had = held.get(e.getKey());
            if (had != null) kept++;
            if (!e.getValue().hash().equals(had)) changed.add(e.getValue());
        }
        List<ResourceKey> removed = new ArrayList<>();
        if (kept < held.size()) for (ResourceKey k : held.keySet()) if (!all.containsKey(k)) removed.add(k);
        changed.sort(BY_KEY);
        removed.sort(null);
        return new Delta(changed, removed);
    }

    public List<WireResource> changed() { return changed; }

    public List<ResourceKey> removed() { return removed; }

    public boolean isEmpty() { return changed.isEmpty() && removed.isEmpty(); }

    /** {@link #changed()} as the push carries it: a JSON array of the resources, in UTF-8. */
    byte[] json() {
        byte[] j = json;
        if (j == null) json = j = SyncMessages.GSON.toJson(changed).getBytes(StandardCharsets.UTF_8);
        return j;
    }

    /** Equal when they send the same resources (by key and hash) and remove the same keys. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Delta d && d.changed.equals(changed) && d.removed.equals(removed);
    }

    @Override
    public int hashCode() { return Objects.hash(changed, removed); }

    @Override
    public String toString() {
        return "Delta[changed " + changed.stream().map(WireResource::key).toList() + ", removed " + removed + "]";
    }
}
