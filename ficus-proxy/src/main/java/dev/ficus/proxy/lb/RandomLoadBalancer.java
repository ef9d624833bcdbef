package dev.ficus.proxy.lb;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Weighted random choice: cumulative weights built per update, one draw and a binary search per pick. */
public final class RandomLoadBalancer implements LoadBalancer {
    @Override
    public Picker update(List<EndpointRef> healthy) {
        if (healthy.isEmpty()) return Picker.EMPTY;
        EndpointRef[] eps = healthy.toArray(EndpointRef[]::new);
        long[] cumulative = new long[eps.length];
        long sum = 0;
        for (int i = 0; i < eps.length; i++) cumulative[i] = sum += eps[i].endpoint().weight();
        long total = sum;
        return () -> {
            long draw = ThreadLocalRandom.current().nextLong(total);
            int i = java.util.Arrays.binarySearch(cumulative, draw + 1);
            return eps[i >= 0 ? i : -i - 1];
        };
    }
}
