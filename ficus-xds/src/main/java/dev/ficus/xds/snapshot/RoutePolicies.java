package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Objects;

/**
 * What a route does around the upstream call besides choosing a cluster: retries, injected
 * faults, mirrors, rewrites, CORS and a parallel run. Built once per snapshot; the router only reads it.
 *
 * @param retry   the retry policy ({@link RouteRetry#NONE} for none)
 * @param fault   injected faults, or null
 * @param mirrors clusters a copy of the request goes to
 * @param rewrite path and authority rewrites, or null
 * @param cors    the CORS policy, or null
 * @param parallelRun the parallel run the route takes part in (a Rollout's), or null: the router
 *                    pays one null check for it
 * @param fallback    where a strangler route's failed request goes once more (the legacy service), or null
 */
public record RoutePolicies(RouteRetry retry, RouteFault fault, List<RouteMirror> mirrors, RouteRewrite rewrite, RouteCors cors,
                            RouteParallelRun parallelRun, RouteFallback fallback) {
    /** Nothing around the upstream call: what a hand-built route gets. */
    public static final RoutePolicies NONE = new RoutePolicies(RouteRetry.NONE, null, List.of(), null, null);
    /** Istio's defaults for a mesh route without settings: its default retries and nothing else. */
    public static final RoutePolicies ISTIO_DEFAULT = new RoutePolicies(RouteRetry.ISTIO_DEFAULT, null, List.of(), null, null);

    public RoutePolicies(RouteRetry retry, RouteFault fault, List<RouteMirror> mirrors, RouteRewrite rewrite) {
        this(retry, fault, mirrors, rewrite, null, null, null);
    }

    public RoutePolicies(RouteRetry retry, RouteFault fault, List<RouteMirror> mirrors, RouteRewrite rewrite, RouteCors cors) {
        this(retry, fault, mirrors, rewrite, cors, null, null);
    }

    public RoutePolicies(RouteRetry retry, RouteFault fault, List<RouteMirror> mirrors, RouteRewrite rewrite, RouteCors cors,
                         RouteParallelRun parallelRun) {
        this(retry, fault, mirrors, rewrite, cors, parallelRun, null);
    }

    public RoutePolicies {
        Objects.requireNonNull(retry, "retry");
        mirrors = List.copyOf(Objects.requireNonNull(mirrors, "mirrors"));
    }

    public RoutePolicies withRetry(RouteRetry r) { return new RoutePolicies(r, fault, mirrors, rewrite, cors, parallelRun, fallback); }

    public RoutePolicies withCors(RouteCors c) { return new RoutePolicies(retry, fault, mirrors, rewrite, c, parallelRun, fallback); }

    public RoutePolicies withParallelRun(RouteParallelRun p) { return new RoutePolicies(retry, fault, mirrors, rewrite, cors, p, fallback); }

    public RoutePolicies withFallback(RouteFallback f) { return new RoutePolicies(retry, fault, mirrors, rewrite, cors, parallelRun, f); }
}
