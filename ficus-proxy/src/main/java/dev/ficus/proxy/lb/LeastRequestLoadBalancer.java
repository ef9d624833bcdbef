package dev.ficus.proxy.lb;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Least request by the power of two choices (Envoy's default for {@code LEAST_REQUEST}): two
 * random endpoints, the one with fewer in-flight requests wins, weights divide the count.
 */
public final class LeastRequestLoadBalancer implements LoadBalancer {
    @Override
    public Picker update(List<EndpointRef> healthy) {
        if (healthy.isEmpty()) return Picker.EMPTY;
        EndpointRef[] eps = healthy.toArray(EndpointRef[]::new);
        if (eps.length == 1) return () -> eps[0];
        return () -> {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            int a = r.nextInt(eps.length);
            int b = r.nextInt(eps.length - 1);
            if (b >= a) b++;
            EndpointRef x = eps[a], y = eps[b];
            // compare active/weight without division: ax * wy <= ay * wx
            long lx = (long) x.active() * y.endpoint().weight();
            long ly = (long) y.active() * x.endpoint().weight();
            return lx <= ly ? x : y;
        };
    }
}
