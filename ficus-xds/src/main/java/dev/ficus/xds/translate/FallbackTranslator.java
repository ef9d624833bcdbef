package dev.ficus.xds.translate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.mesh.Rollout;
import dev.ficus.api.networking.HTTPRoute;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.VirtualService;
import dev.ficus.xds.snapshot.RouteFallback;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The way back of a strangler's moved routes: a Rollout with the {@code strangler} strategy and a
 * {@code fallback} makes each route that the rollout controller moved (named {@code
 * strangler-<route>} in the VirtualService it drives) retry a failed request once on the legacy
 * service ({@code stable}). The controller keeps such a Rollout in the configuration it translates.
 */
final class FallbackTranslator {
    /** The name the rollout controller gives a strangler's moved route in the VirtualService. */
    static final String ROUTE_PREFIX = "strangler-";

    private final Map<String, Resource<Rollout>> byVirtualService = new HashMap<>();
    private final ParallelRunTranslator.Clusters clusters;
    private final Function<String, Integer> onlyPort;

    FallbackTranslator(ConfigSet config, ParallelRunTranslator.Clusters clusters, Function<String, Integer> onlyPort) {
        this.clusters = clusters;
        this.onlyPort = onlyPort;
        for (Resource<Rollout> r : config.all(Kind.ROLLOUT, Rollout.class)) {
            Rollout ro = r.spec();
            if (ro.strategy() == null || ro.strategy().strangler() == null || ro.virtualService() == null || ro.stable() == null) continue;
            Rollout.Fallback fb = ro.strategy().strangler().fallback();
            if (fb == null || !fb.on()) continue;
            byVirtualService.putIfAbsent(r.namespace() + "/" + ro.virtualService(), r);
        }
    }

    /** The Rollout that drives {@code vs}'s routes, or null: what {@link #forRoute} reads of the configuration. */
    Resource<Rollout> rolloutFor(Resource<VirtualService> vs) {
        return byVirtualService.isEmpty() ? null : byVirtualService.get(vs.namespace() + "/" + vs.name());
    }

    /** The fallback of route {@code hr} of {@code vs} served on {@code port}, or null. */
    RouteFallback forRoute(Resource<VirtualService> vs, HTTPRoute hr, int port) {
        if (byVirtualService.isEmpty() || hr.name() == null || !hr.name().startsWith(ROUTE_PREFIX)) return null;
        Resource<Rollout> r = byVirtualService.get(vs.namespace() + "/" + vs.name());
        if (r == null) return null;
        String name = hr.name().substring(ROUTE_PREFIX.length());
        if (r.spec().strategy().strangler().routes().stream().noneMatch(x -> name.equals(x.name()))) return null;
        var stable = r.spec().stable();
        String host = Hosts.fqdn(stable.host(), r.namespace());
        Integer p = stable.port() != null && stable.port().number() != null ? stable.port().number() : onlyPort.apply(host);
        String cluster = clusters.cluster(host, p == null ? port : p, stable.subset(), r, "spec.stable");
        return new RouteFallback(cluster, Boolean.TRUE.equals(r.spec().strategy().strangler().fallback().allowNonIdempotent()));
    }
}
