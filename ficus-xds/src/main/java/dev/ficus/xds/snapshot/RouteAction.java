package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Objects;

/** What a matched route does: forward to clusters, answer directly, or redirect. */
public sealed interface RouteAction {

    /**
     * Forwards to one of the clusters, chosen by weight. The cumulative weights are computed here
     * so that a pick is one random number and a short scan.
     */
    record Forward(List<WeightedCluster> clusters, int[] cumulative) implements RouteAction {
        public Forward {
            clusters = List.copyOf(Objects.requireNonNull(clusters, "clusters"));
            if (clusters.isEmpty()) throw new IllegalArgumentException("a forward action needs at least one cluster");
            cumulative = new int[clusters.size()];
            long sum = 0;
            for (int i = 0; i < clusters.size(); i++) {
                sum += clusters.get(i).weight();
                if (sum > Integer.MAX_VALUE) throw new IllegalArgumentException("weights overflow");
                cumulative[i] = (int) sum;
            }
            if (sum == 0) throw new IllegalArgumentException("the weights of a forward action must not all be 0");
        }

        public Forward(List<WeightedCluster> clusters) { this(clusters, null); }

        public static Forward to(String cluster) { return new Forward(List.of(new WeightedCluster(cluster, 1))); }

        public int totalWeight() { return cumulative[cumulative.length - 1]; }

        /** The cluster for a draw in {@code [0, totalWeight())}. */
        public String pick(int draw) {
            int[] c = cumulative;
            for (int i = 0; i < c.length; i++) if (draw < c[i]) return clusters.get(i).cluster();
            return clusters.getLast().cluster();
        }

        @Override public boolean equals(Object o) { return o instanceof Forward f && f.clusters.equals(clusters); }
        @Override public int hashCode() { return clusters.hashCode(); }
        @Override public String toString() { return "Forward" + clusters; }
    }

    /** Answers locally (Istio's {@code directResponse}). */
    record DirectResponse(int status, String body) implements RouteAction {
        public DirectResponse {
            if (status < 200 || status > 599) throw new IllegalArgumentException("status out of range: " + status);
            body = body == null ? "" : body;
        }
    }

    /**
     * Redirects (Istio's {@code HTTPRedirect}); null fields keep the request's value.
     *
     * @param status 301, 302, 303, 307 or 308
     */
    record Redirect(String scheme, String authority, String path, int status) implements RouteAction {
        public Redirect {
            if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
                throw new IllegalArgumentException("redirect status must be 301, 302, 303, 307 or 308: " + status);
            }
        }
    }
}
