package dev.ficus.proxy.lb;

import dev.ficus.xds.snapshot.ConsistentHashConfig;
import java.util.List;

/**
 * Maglev consistent hashing (Envoy's {@code MAGLEV}, from Google's Maglev paper): a lookup table
 * of {@code tableSize} slots (a prime) is filled by letting endpoints claim slots in turn along
 * their own permutation, heavier endpoints more often. Each endpoint ends up with a share of the
 * slots close to its weight, and removing one moves little more than its own slots. Built once per
 * endpoint change, off the event loop; a pick is one remainder and one array read.
 */
public final class MaglevLoadBalancer implements LoadBalancer {
    private final ConsistentHashConfig config;
    private final HashKey key;

    public MaglevLoadBalancer(ConsistentHashConfig config) {
        this.config = config;
        this.key = new HashKey(config.key());
    }

    @Override
    public Picker update(List<EndpointRef> healthy) {
        if (healthy.isEmpty()) return Picker.EMPTY;
        return new MaglevPicker(key, table(healthy, config.tableSize()));
    }

    static EndpointRef[] table(List<EndpointRef> eps, int size) {
        int n = eps.size();
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] target = new long[n];
        int maxWeight = 0;
        for (int i = 0; i < n; i++) {
            String name = eps.get(i).endpoint().address().toString();
            long h1 = Hashing.hash(name);
            long h2 = Hashing.mix(h1 ^ 0x9e3779b97f4a7c15L);
            offset[i] = Long.remainderUnsigned(h1, size);
            skip[i] = size == 1 ? 1 : Long.remainderUnsigned(h2, size - 1) + 1;
            maxWeight = Math.max(maxWeight, eps.get(i).endpoint().weight());
        }
        EndpointRef[] table = new EndpointRef[size];
        int filled = 0;
        for (long iteration = 1; filled < size; iteration++) {
            for (int i = 0; i < n && filled < size; i++) {
                // an endpoint of the highest weight claims a slot every round, lighter ones proportionally less often
                if ((long) eps.get(i).endpoint().weight() * iteration < target[i]) continue;
                target[i] += maxWeight;
                long c = (offset[i] + skip[i] * next[i]) % size;
                // a prime size makes each permutation visit every slot; the bound only guards other sizes
                for (int tries = 0; table[(int) c] != null && tries < size; tries++) {
                    next[i]++;
                    c = (offset[i] + skip[i] * next[i]) % size;
                }
                if (table[(int) c] != null) {
                    for (c = 0; table[(int) c] != null; c++) { } // not a prime: take the first free slot
                }
                table[(int) c] = eps.get(i);
                next[i]++;
                filled++;
            }
        }
        return table;
    }

    /** The table; a key maps to {@code table[hash mod size]}. */
    static final class MaglevPicker implements Picker {
        private final HashKey key;
        private final EndpointRef[] table;

        MaglevPicker(HashKey key, EndpointRef[] table) {
            this.key = key;
            this.table = table;
        }

        @Override
        public EndpointRef pick() { return lookup(java.util.concurrent.ThreadLocalRandom.current().nextLong()); }

        @Override
        public EndpointRef pick(PickContext ctx) { return lookup(key.hash(ctx)); }

        EndpointRef lookup(long h) { return table[(int) Long.remainderUnsigned(h, table.length)]; }
    }
}
