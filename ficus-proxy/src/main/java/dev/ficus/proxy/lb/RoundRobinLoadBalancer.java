package dev.ficus.proxy.lb;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Weighted round robin. Weights are expanded once per update into a smooth schedule (nginx's
 * smooth weighted round robin), so a pick is one atomic increment and one array read.
 */
public final class RoundRobinLoadBalancer implements LoadBalancer {
    /** Longest schedule built; larger weight sums are scaled down. */
    static final int MAX_SCHEDULE = 4096;

    @Override
    public Picker update(List<EndpointRef> healthy) {
        if (healthy.isEmpty()) return Picker.EMPTY;
        return new RoundRobinPicker(schedule(healthy));
    }

    static EndpointRef[] schedule(List<EndpointRef> eps) {
        int n = eps.size();
        long sum = 0;
        boolean equal = true;
        for (EndpointRef e : eps) {
            sum += e.endpoint().weight();
            equal &= e.endpoint().weight() == eps.getFirst().endpoint().weight();
        }
        if (equal) return eps.toArray(EndpointRef[]::new);
        double scale = sum > MAX_SCHEDULE ? (double) MAX_SCHEDULE / sum : 1.0;
        int[] w = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.max(1, (int) Math.round(eps.get(i).endpoint().weight() * scale));
            total += w[i];
        }
        int[] current = new int[n];
        List<EndpointRef> out = new ArrayList<>(total);
        for (int k = 0; k < total; k++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += w[i];
                if (current[i] > current[best]) best = i;
            }
            current[best] -= total;
            out.add(eps.get(best));
        }
        return out.toArray(EndpointRef[]::new);
    }

    static final class RoundRobinPicker implements Picker {
        private final EndpointRef[] schedule;
        private final AtomicInteger next;

        RoundRobinPicker(EndpointRef[] schedule) {
            this.schedule = schedule;
            // start at a random offset so that proxies restarted together do not hit the same endpoint first
            this.next = new AtomicInteger(java.util.concurrent.ThreadLocalRandom.current().nextInt(schedule.length));
        }

        @Override
        public EndpointRef pick() {
            return schedule[(next.getAndIncrement() & Integer.MAX_VALUE) % schedule.length];
        }
    }
}
