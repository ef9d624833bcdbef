package dev.ficus.proxy.lb;

/**
 * The 64-bit hash of consistent-hash load balancing: FNV-1a over the UTF-16 chars, finished by
 * MurmurHash3's 64-bit mixer so that nearby keys land far apart on the ring. Works on a range of
 * a {@link CharSequence}, so a header, cookie or query value is hashed where it lies, without a
 * substring. Any thread.
 */
public final class Hashing {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Hashing() {}

    public static long hash(CharSequence s) { return hash(s, 0, s.length()); }

    public static long hash(CharSequence s, int from, int to) {
        long h = FNV_OFFSET;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            h = (h ^ (c & 0xff)) * FNV_PRIME;
            h = (h ^ (c >>> 8)) * FNV_PRIME;
        }
        return mix(h);
    }

    /** MurmurHash3's fmix64. */
    public static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
