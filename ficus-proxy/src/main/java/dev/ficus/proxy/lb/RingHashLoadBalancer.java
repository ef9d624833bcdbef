package dev.ficus.proxy.lb;

import dev.ficus.xds.snapshot.ConsistentHashConfig;
import java.util.Arrays;
import java.util.List;

/**
 * Ketama-style ring hash (Envoy's {@code RING_HASH}): each endpoint is placed on a 64-bit ring at
 * a number of points proportional to its weight, at least {@code minimumRingSize} points in all;
 * a request goes to the first point at or after its key's hash. Removing one of N endpoints moves
 * the keys that pointed at its points, about 1/N of them, plus a few more because the ring is
 * rescaled to keep its minimum size (as Envoy does; the ring depends only on the current endpoints,
 * so every proxy builds the same one). The ring is built once per endpoint
 * change, off the event loop; a pick is one binary search over a {@code long[]}.
 */
public final class RingHashLoadBalancer implements LoadBalancer {
    private final ConsistentHashConfig config;
    private final HashKey key;

    public RingHashLoadBalancer(ConsistentHashConfig config) {
        this.config = config;
        this.key = new HashKey(config.key());
    }

    @Override
    public Picker update(List<EndpointRef> healthy) {
        if (healthy.isEmpty()) return Picker.EMPTY;
        int n = healthy.size();
        long weights = 0;
        int minWeight = Integer.MAX_VALUE;
        for (EndpointRef e : healthy) {
            weights += e.endpoint().weight();
            minWeight = Math.min(minWeight, e.endpoint().weight());
        }
        // as Envoy: scale so that the lightest endpoint gets at least one point and the ring at least minimumRingSize
        double scale = Math.max((double) config.tableSize() / weights, 1.0 / minWeight);
        scale = Math.min(scale, (double) ConsistentHashConfig.MAX_TABLE_SIZE / weights);
        int[] points = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            points[i] = (int) Math.max(1, Math.round(healthy.get(i).endpoint().weight() * scale));
            total += points[i];
        }
        long[] entries = new long[total];
        int[] owner = new int[total];
        int k = 0;
        StringBuilder name = new StringBuilder(64);
        for (int i = 0; i < n; i++) {
            String base = healthy.get(i).endpoint().address().toString();
            for (int p = 0; p < points[i]; p++) {
                name.setLength(0);
                name.append(base).append('_').append(p);
                entries[k] = Hashing.hash(name);
                owner[k] = i;
                k++;
            }
        }
        // sort points by unsigned hash, carrying their owner
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(entries[a], entries[b]));
        long[] ring = new long[total];
        EndpointRef[] hosts = new EndpointRef[total];
        for (int i = 0; i < total; i++) {
            ring[i] = entries[order[i]];
            hosts[i] = healthy.get(owner[order[i]]);
        }
        return new RingPicker(key, ring, hosts);
    }

    /** The ring: sorted unsigned hashes and the endpoint owning each. */
    static final class RingPicker implements Picker {
        private final HashKey key;
        private final long[] ring;
        private final EndpointRef[] hosts;

        RingPicker(HashKey key, long[] ring, EndpointRef[] hosts) {
            this.key = key;
            this.ring = ring;
            this.hosts = hosts;
        }

        int size() { return ring.length; }

        @Override
        public EndpointRef pick() { return lookup(java.util.concurrent.ThreadLocalRandom.current().nextLong()); }

        @Override
        public EndpointRef pick(PickContext ctx) { return lookup(key.hash(ctx)); }

        /** The owner of the first point at or after {@code h}, wrapping around. */
        EndpointRef lookup(long h) {
            int lo = 0, hi = ring.length - 1;
            if (Long.compareUnsigned(h, ring[hi]) > 0) return hosts[0];
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (Long.compareUnsigned(ring[mid], h) < 0) lo = mid + 1;
                else hi = mid;
            }
            return hosts[lo];
        }
    }
}
