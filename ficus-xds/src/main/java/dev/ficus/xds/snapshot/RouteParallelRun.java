package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Objects;

/**
 * A parallel run on a route (a Rollout with the {@code parallelRun} strategy): a share of the
 * requests the route sends to {@code stableCluster} is also sent to {@code candidateCluster} (and
 * to {@code secondaryCluster}, a second copy of stable), and the answers are compared off the
 * request path. The user's exchange is never changed or delayed by it.
 *
 * @param id                 {@code namespace/name} of the Rollout: the proxy keeps the run's
 *                           results under it across snapshots, and drops them when it leaves
 * @param stableCluster      the cluster whose answers are the reference; requests the route sends
 *                           elsewhere are not compared
 * @param candidateCluster   the cluster being compared with stable
 * @param secondaryCluster   a cluster that serves as stable does, or null: what differs between
 *                           it and stable is noise, not a mismatch
 * @param perMillion         share of requests compared, in parts per million
 * @param compareHeaders     response headers compared (lower-case) besides the status and the body
 * @param ignore             body paths never compared
 * @param allowUnsafeMethods whether POST, PUT, PATCH, DELETE ... are copied too (off: GET, HEAD, OPTIONS only)
 * @param maxBodyBytes       the largest body kept for a comparison: a larger request is not
 *                           copied, a larger response is compared by status and headers only
 */
public record RouteParallelRun(String id, String stableCluster, String candidateCluster, String secondaryCluster, int perMillion,
                               List<String> compareHeaders, List<JsonPath> ignore, boolean allowUnsafeMethods, int maxBodyBytes) {
    /** The body limit when the Rollout sets none. */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
    /**
     * The largest body limit the proxy takes: every comparison in flight holds up to three bodies,
     * and the comparison parses two at a time into trees several times their size.
     */
    public static final int MAX_BODY_BYTES = 256 * 1024;

    public RouteParallelRun {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(stableCluster, "stableCluster");
        Objects.requireNonNull(candidateCluster, "candidateCluster");
        if (perMillion < 0 || perMillion > RouteFault.MILLION) throw new IllegalArgumentException("share must be within [0, 1000000]");
        compareHeaders = List.copyOf(Objects.requireNonNull(compareHeaders, "compareHeaders"));
        ignore = List.copyOf(Objects.requireNonNull(ignore, "ignore"));
        if (maxBodyBytes < 0 || maxBodyBytes > MAX_BODY_BYTES) throw new IllegalArgumentException("maxBodyBytes must be within [0, " + MAX_BODY_BYTES + "]");
    }
}
