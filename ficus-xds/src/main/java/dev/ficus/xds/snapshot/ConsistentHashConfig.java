package dev.ficus.xds.snapshot;

import java.util.Objects;

/**
 * Consistent hashing of a cluster: the request key and the table it is looked up in.
 *
 * @param tableSize the ring's minimum size for {@code RING_HASH}; the Maglev table size (a prime) for {@code MAGLEV}
 */
public record ConsistentHashConfig(HashPolicy key, int tableSize) {
    /** Istio's default minimum ring size. */
    public static final int DEFAULT_RING_SIZE = 1024;
    /** Envoy's default Maglev table size (a prime). */
    public static final int DEFAULT_MAGLEV_SIZE = 65537;
    /** Envoy's limit on ring and table sizes. */
    public static final int MAX_TABLE_SIZE = 8_388_608;

    public ConsistentHashConfig {
        Objects.requireNonNull(key, "key");
        if (tableSize < 1 || tableSize > MAX_TABLE_SIZE) throw new IllegalArgumentException("hash table size must be in [1, " + MAX_TABLE_SIZE + "]: " + tableSize);
    }
}
