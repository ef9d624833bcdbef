package dev.ficus.proxy.cluster;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.lb.LoadBalancer;
import dev.ficus.proxy.lb.LoadBalancerRegistry;
import dev.ficus.proxy.pool.CircuitBreakers;
import dev.ficus.proxy.telemetry.StatsRegistry;
import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConsistentHashConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HealthStatus;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.LbPolicy;
import dev.ficus.xds.snapshot.OutlierDetectionConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns each snapshot's clusters into {@link ClusterRuntime}s, keeping load-balancer state,
 * circuit-breaker counts, outlier-detection state and endpoint objects (with their pooled
 * connections) for clusters and endpoints that stay. {@link #update} is called serially, off the
 * event loops, by {@code ProxyServer.update}; ejection decisions run on the outlier detector's
 * thread. Both hold this object's lock, never an event loop.
 *
 * <p>What a cluster's picker offers: its healthy endpoints less the ejected ones, unless fewer
 * than {@code minHealthPercent} of all endpoints would remain (Envoy's panic mode), then all
 * healthy ones.
 */
public final class ClusterManager {
    private final LoadBalancerRegistry registry;
    private final StatsRegistry stats;
    private final Map<String, State> states = new HashMap<>();

    /** One cluster across snapshots; guarded by the manager's lock. */
    private static final class State {
        final String name;
        final TrafficStats stats;
        final CircuitBreakers breakers;
        final PublishedPicker picker = new PublishedPicker(dev.ficus.proxy.lb.Picker.EMPTY);
        LbPolicy policy;
        ConsistentHashConfig hash;
        LoadBalancer lb;
        OutlierDetector detector;
        Map<HostPort, EndpointRef> refs = new LinkedHashMap<>();
        List<EndpointRef> healthy = List.of();
        // what the current picker was built from: an unchanged set keeps it (no ring or table rebuilt)
        LoadBalancer publishedBy;
        List<EndpointRef> publishedFor;

        State(String name, TrafficStats stats, CircuitBreakers breakers) {
            this.name = name;
            this.stats = stats;
            this.breakers = breakers;
        }
    }

    public ClusterManager(LoadBalancerRegistry registry, StatsRegistry stats) {
        this.registry = registry;
        this.stats = stats;
    }

    public synchronized Map<String, ClusterRuntime> update(Map<String, ClusterConfig> clusters) {
        Map<String, ClusterRuntime> out = new HashMap<>();
        Map<String, State> next = new HashMap<>();
        for (ClusterConfig c : clusters.values()) {
            State s = states.get(c.name());
            if (s == null) {
                s = new State(c.name(), stats.cluster(c.name()), new CircuitBreakers(c.limits()));
                CircuitBreakers b = s.breakers;
                s.stats.breakers(b::connections, b::pending, b::requests, b::retries);
            }
            s.breakers.limits(c.limits());
            if (s.lb == null || s.policy != c.lbPolicy() || !Objects.equals(s.hash, c.hash())) {
                s.lb = registry.provider(c.lbPolicy()).newLoadBalancer(c);
                s.policy = c.lbPolicy();
                s.hash = c.hash();
            }
            OutlierDetector detector = outlier(s, c.outlier());
            Map<HostPort, EndpointRef> refs = new LinkedHashMap<>();
            List<EndpointRef> all = new ArrayList<>();
            List<EndpointRef> healthy = new ArrayList<>();
            for (Endpoint e : c.endpoints()) {
                EndpointRef ref = s.refs.get(e.address());
                if (ref == null || !ref.endpoint().equals(e)) ref = new EndpointRef(c.name(), e, s.stats, s.breakers);
                ref.outlierSink(detector);
                if (detector == null && ref.ejected()) unEject(s, ref);
                refs.put(e.address(), ref);
                all.add(ref);
                if (e.health() == HealthStatus.HEALTHY) healthy.add(ref);
            }
            for (EndpointRef r : s.refs.values()) {
                if (refs.get(r.endpoint().address()) != r) gone(s, r);
            }
            s.refs = refs;
            s.healthy = List.copyOf(healthy);
            publish(s);
            next.put(c.name(), s);
            out.put(c.name(), new ClusterRuntime(c, List.copyOf(all), s.picker, s.stats, s.breakers));
        }
        for (var e : states.entrySet()) {
            if (!next.containsKey(e.getKey())) e.getValue().refs.values().forEach(r -> gone(e.getValue(), r));
        }
        states.clear();
        states.putAll(next);
        return Map.copyOf(out);
    }

    private OutlierDetector outlier(State s, OutlierDetectionConfig config) {
        if (config == null) {
            s.detector = null;
        } else if (s.detector == null) {
            s.detector = new OutlierDetector(config, ep -> thresholdReached(s, ep));
        } else {
            s.detector.config(config);
        }
        return s.detector;
    }

    private void gone(State s, EndpointRef r) {
        r.retire();
        r.outlierSink(null);
        if (r.ejected()) unEject(s, r);
    }

    /** Publishes the picker over what the cluster may use now. */
    private void publish(State s) {
        List<EndpointRef> available = s.healthy;
        OutlierDetector d = s.detector;
        if (d != null) {
            List<EndpointRef> notEjected = new ArrayList<>(available.size());
            for (EndpointRef r : available) if (!r.ejected()) notEjected.add(r);
            int min = d.config().minHealthPercent();
            boolean panic = min > 0 && (long) notEjected.size() * 100 < (long) min * s.refs.size();
            if (!panic) available = notEjected;
        }
        if (s.publishedBy == s.lb && available.equals(s.publishedFor)) return; // EndpointRef equality is identity
        s.publishedFor = List.copyOf(available);
        s.publishedBy = s.lb;
        s.picker.publish(s.lb.update(s.publishedFor));
    }

    /** Detector thread: {@code ep} failed enough times in a row; eject it if the cluster allows. */
    private synchronized void thresholdReached(State s, EndpointRef ep) {
        OutlierDetector d = s.detector;
        if (states.get(s.name) != s || d == null || s.refs.get(ep.endpoint().address()) != ep || ep.ejected()) {
            ep.resetCounters();
            return;
        }
        OutlierDetectionConfig c = d.config();
        int ejected = 0;
        for (EndpointRef r : s.refs.values()) if (r.ejected()) ejected++;
        // as Envoy: at least one endpoint may always be ejected, more only within maxEjectionPercent
        if (ejected > 0 && 100.0 * (ejected + 1) / s.refs.size() > c.maxEjectionPercent()) {
            ep.resetCounters();
            return;
        }
        long now = System.nanoTime();
        if (ep.ejections() > 0) {
            // the multiplier drops by one for each interval the endpoint stayed in since its last return
            long back = ep.ejectedAtNanos() + c.ejectionTime(ep.ejections()).toNanos();
            long intervals = Math.max(0, (now - back) / c.interval().toNanos());
            for (long i = 0; i < intervals && ep.ejections() > 0; i++) ep.healthyInterval();
        }
        ep.eject(now);
        s.stats.ejected();
        publish(s);
        long time = c.ejectionTime(ep.ejections()).toNanos();
        OutlierDetector.schedule(() -> ejectionEnded(s, ep, now), time);
    }

    /** Detector thread: the ejection of {@code ep} that began at {@code since} is over. */
    private synchronized void ejectionEnded(State s, EndpointRef ep, long since) {
        if (!ep.ejected() || ep.ejectedAtNanos() != since) return;
        unEject(s, ep);
        if (states.get(s.name) == s && s.refs.get(ep.endpoint().address()) == ep) publish(s);
    }

    private static void unEject(State s, EndpointRef ep) {
        ep.unEject();
        s.stats.unEjected();
    }
}
