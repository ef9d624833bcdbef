package dev.ficus.xds.translate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.mesh.Rollout;
import dev.ficus.api.networking.Destination;
import dev.ficus.api.networking.HTTPRoute;
import dev.ficus.api.networking.HTTPRouteDestination;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.VirtualService;
import dev.ficus.xds.snapshot.JsonPath;
import dev.ficus.xds.snapshot.RouteFault;
import dev.ficus.xds.snapshot.RouteParallelRun;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Attaches a parallel run to the HTTP routes a Rollout with the {@code parallelRun} strategy
 * drives. The rollout controller's contract: such a Rollout present in the configuration means the
 * run is on; the controller removes it when the run ends. Driven routes are the ones the Rollout
 * names, or, when it names none, every route of its VirtualService with a destination equal to
 * {@code stable}. Called by {@link Translator} once per HTTP route.
 */
final class ParallelRunTranslator {
    /** Resolves a destination to a cluster name, creating the cluster as the translator does for route destinations. */
    interface Clusters {
        String cluster(String host, int port, String subset, Resource<?> from, String path);
    }

    /** Receives a note about a field that is not applied as written. */
    interface Notes {
        void note(Resource<?> r, String path, String message);
    }

    private static final String P = "spec.strategy.parallelRun";

    private final Map<String, Resource<Rollout>> byVirtualService = new HashMap<>();
    private final Clusters clusters;
    private final Notes notes;
    private final Function<String, Integer> onlyPort;

    /**
     * @param onlyPort the port a destination without one takes for a host (the service's only
     *                 port), or null for the port the request came in on, as route destinations resolve it
     */
    ParallelRunTranslator(ConfigSet config, Clusters clusters, Notes notes, Function<String, Integer> onlyPort) {
        this.clusters = clusters;
        this.notes = notes;
        this.onlyPort = onlyPort;
        for (Resource<Rollout> r : config.all(Kind.ROLLOUT, Rollout.class)) {
            Rollout ro = r.spec();
            if (ro.strategy() == null || ro.strategy().parallelRun() == null || ro.virtualService() == null) continue;
            byVirtualService.putIfAbsent(r.namespace() + "/" + ro.virtualService(), r); // validation allows one Rollout per VirtualService
        }
    }

    /** The Rollout that drives {@code vs}'s routes, or null: what {@link #forRoute} reads of the configuration. */
    Resource<Rollout> rolloutFor(Resource<VirtualService> vs) {
        return byVirtualService.isEmpty() ? null : byVirtualService.get(vs.namespace() + "/" + vs.name());
    }

    /** The parallel run of route {@code hr} of {@code vs} served on {@code port}, or null when no Rollout runs one there. */
    RouteParallelRun forRoute(Resource<VirtualService> vs, HTTPRoute hr, int port) {
        if (byVirtualService.isEmpty()) return null;
        Resource<Rollout> r = byVirtualService.get(vs.namespace() + "/" + vs.name());
        if (r == null) return null;
        Rollout ro = r.spec();
        if (ro.stable() == null || ro.stable().host() == null || ro.canary() == null || ro.canary().host() == null) return null; // refused by validation
        HTTPRouteDestination toStable = null;
        for (HTTPRouteDestination d : hr.route()) {
            if (d.destination() != null && same(d.destination(), vs.namespace(), ro.stable(), r.namespace())) {
                toStable = d;
                break;
            }
        }
        boolean named = !ro.routes().isEmpty();
        if (named ? !ro.routes().contains(hr.name()) : toStable == null) return null;
        String stable;
        if (toStable != null) { // the very cluster the route forwards to, so that the router can tell a stable request
            stable = cluster(toStable.destination(), vs.namespace(), port, null, null);
        } else {
            notes.note(r, "spec.routes", "route '" + hr.name() + "' of VirtualService '" + vs.name() + "' sends nothing to stable; no request of it is compared");
            stable = cluster(ro.stable(), r.namespace(), port, r, "spec.stable");
        }
        Rollout.ParallelRun pr = ro.strategy().parallelRun();
        String candidate = cluster(ro.canary(), r.namespace(), port, r, "spec.canary");
        String secondary = pr.secondary() == null || pr.secondary().host() == null ? null : cluster(pr.secondary(), r.namespace(), port, r, P + ".secondary");
        List<String> headers = new ArrayList<>();
        for (String h : pr.compareHeaders()) if (h != null && !h.isBlank()) headers.add(h.strip().toLowerCase(Locale.ROOT));
        List<JsonPath> ignore = new ArrayList<>();
        for (int i = 0; i < pr.ignore().size(); i++) {
            String text = pr.ignore().get(i);
            if (text == null) continue;
            try {
                ignore.add(JsonPath.parse(text.strip()));
            } catch (IllegalArgumentException e) {
                notes.note(r, P + ".ignore[" + i + "]", e.getMessage() + "; this path is not ignored");
            }
        }
        int maxBody = pr.maxBodyBytes() == null ? RouteParallelRun.DEFAULT_MAX_BODY_BYTES : Math.max(0, pr.maxBodyBytes());
        if (maxBody > RouteParallelRun.MAX_BODY_BYTES) {
            notes.note(r, P + ".maxBodyBytes", "the proxy keeps at most " + RouteParallelRun.MAX_BODY_BYTES + " bytes of a body for a comparison; larger bodies are compared by status and headers only");
            maxBody = RouteParallelRun.MAX_BODY_BYTES;
        }
        double percentage = pr.percentage() == null ? 100 : pr.percentage();
        return new RouteParallelRun(r.namespace() + "/" + r.name(), stable, candidate, secondary, RouteFault.perMillion(percentage),
                headers, ignore, Boolean.TRUE.equals(pr.allowUnsafeMethods()), maxBody);
    }

    /** A destination's cluster, its port resolved as a route destination's: its own, the service's only one, the request's. */
    private String cluster(Destination d, String namespace, int port, Resource<?> from, String path) {
        String host = Hosts.fqdn(d.host(), namespace);
        Integer p = d.port() != null && d.port().number() != null ? d.port().number() : onlyPort.apply(host);
        return clusters.cluster(host, p == null ? port : p, d.subset(), from, path);
    }

    /** The same destination, as the Rollout's validation compares them: host (as an FQDN) and subset; the port is not compared. */
    private static boolean same(Destination a, String aNamespace, Destination b, String bNamespace) {
        return a.host() != null && b.host() != null && Hosts.fqdn(a.host(), aNamespace).equals(Hosts.fqdn(b.host(), bNamespace))
                && Objects.equals(a.subset(), b.subset());
    }
}
