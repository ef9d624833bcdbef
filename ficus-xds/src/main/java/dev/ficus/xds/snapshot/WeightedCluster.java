package dev.ficus.xds.snapshot;

import java.util.Objects;

/**
 * One destination of a route and its share of the traffic (a VirtualService route destination).
 *
 * @param requestHeaders  edits of the requests sent to this destination (the destination's own
 *                        {@code headers.request}), applied when it is picked, before the route's (Envoy's order)
 * @param responseHeaders edits of the responses from it, applied before the route's
 */
public record WeightedCluster(String cluster, int weight, HeaderMutations requestHeaders, HeaderMutations responseHeaders) {
    public WeightedCluster {
        Objects.requireNonNull(cluster, "cluster");
        if (weight < 0) throw new IllegalArgumentException("weight must be >= 0: " + weight);
        requestHeaders = requestHeaders == null ? HeaderMutations.NONE : requestHeaders;
        responseHeaders = responseHeaders == null ? HeaderMutations.NONE : responseHeaders;
    }

    public WeightedCluster(String cluster, int weight) { this(cluster, weight, HeaderMutations.NONE, HeaderMutations.NONE); }

    public WeightedCluster withHeaders(HeaderMutations request, HeaderMutations response) { return new WeightedCluster(cluster, weight, request, response); }
}
