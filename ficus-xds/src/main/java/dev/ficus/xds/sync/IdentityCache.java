package dev.ficus.xds.sync;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A value computed for an object, kept as long as that object lives and found by identity, never
 * by {@code equals}: looking up a snapshot record by value would hash it whole, which is the cost
 * this cache exists to avoid. The translation cache hands unchanged resources over as the same
 * objects, so their encodings are found here round after round; an object nothing holds any more
 * (a resource of a snapshot no proxy holds and no translation keeps) takes its entry with it.
 * A value must not refer to its key, or the key would never go. Not thread-safe (the push thread
 * owns it).
 */
final class IdentityCache<K, V> {
    private final ReferenceQueue<K> gone = new ReferenceQueue<>();
    private final Map<Object, V> map = new HashMap<>(); // keys: Ref; lookups probe with Probe

    /** The value held for {@code key}, or null. */
    V get(K key) {
        return map.get(new Probe(key));
    }

    /** The value for {@code key}, computed and kept when none is held. */
    V computeIfAbsent(K key, Function<? super K, ? extends V> compute) {
        V v = get(key);
        if (v != null) return v;
        v = compute.apply(key);
        put(key, v);
        return v;
    }

    void put(K key, V value) {
        expunge();
        map.remove(new Probe(key));
        map.put(new Ref<>(key, gone), value);
    }

    /** Entries held (those of objects collected since the last put may still count). */
    int size() {
        expunge();
        return map.size();
    }

    private void expunge() {
        for (Reference<? extends K> r; (r = gone.poll()) != null; ) map.remove(r);
    }

    /** The stored key: equal only to itself (a cleared one too, so that the queue can remove it). */
    private static final class Ref<K> extends WeakReference<K> {
        final int hash;

        Ref(K key, ReferenceQueue<K> q) {
            super(key, q);
            this.hash = System.identityHashCode(key);
        }

        @Override public int hashCode() { return hash; }

        @Override public boolean equals(Object o) { return o == this; }
    }

    /**
     * A lookup key: {@link HashMap#get} asks the key looked up whether it equals a stored one, so
     * a probe may compare with the referent by identity without allocating a reference.
     */
    private record Probe(Object key) {
        @Override public int hashCode() { return System.identityHashCode(key); }

        @Override public boolean equals(Object o) { return o instanceof Ref<?> r && r.get() == key; }
    }
}
