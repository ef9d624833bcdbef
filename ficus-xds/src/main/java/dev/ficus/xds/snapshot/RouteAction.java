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
        public String pick(int draw) { return pickDestination(draw).cluster(); }

        /** The destination (cluster and its own header edits) for a draw in {@code [0, totalWeight())}. */
        public WeightedCluster pickDestination(int draw) {
            int[] c = cumulative;
            for (int i = 0; i < c.length; i++) if (draw < c[i]) return clusters.get(i);
            return clusters.getLast();
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
     * Redirects (Istio's {@code HTTPRedirect}, Envoy's {@code RedirectAction}); null fields keep
     * the request's value.
     *
     * @param scheme    the Location's scheme; null: the request's
     * @param authority the Location's host; null: the request's {@code Host}
     * @param status    301, 302, 303, 307 or 308
     * @param port      the Location's port (Envoy's {@code port_redirect}): it replaces the port of
     *                  the request's {@code Host}, or follows {@code authority}; 0 keeps the
     *                  request's host as it is (a default port is dropped when the scheme changes);
     *                  never null after construction
     */
    record Redirect(String scheme, String authority, String path, int status, Integer port) implements RouteAction {
        public Redirect {
            if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
                throw new IllegalArgumentException("redirect status must be 301, 302, 303, 307 or 308: " + status);
            }
            if (port == null) port = 0; // boxed so that a snapshot without it decodes (no port)
            if (port < 0 || port > 65535) throw new IllegalArgumentException("redirect port out of range: " + port);
        }

        public Redirect(String scheme, String authority, String path, int status) { this(scheme, authority, path, status, 0); }

        /**
         * The Location for a request, as Envoy builds it: the scheme, host and port above over the
         * request's; {@code path}, when set, replaces the request's path and keeps its query unless
         * {@code path} has one of its own (Istio sets no {@code strip_query}). Called on the event
         * loop only for a redirected request.
         *
         * @param requestScheme the scheme the client used ({@code http}/{@code https})
         * @param host          the request's {@code Host}, maybe with a port; null when absent
         * @param target        the request target ({@code /path?query})
         */
        public String location(String requestScheme, String host, String target) {
            String s = scheme != null ? scheme : requestScheme;
            String p = port > 0 ? ":" + port : "";
            String h = authority != null ? authority : requestHost(host == null ? "" : host, s, !p.isEmpty(), requestScheme);
            String to = target;
            if (path != null) {
                int q = path.indexOf('?') >= 0 ? -1 : target.indexOf('?');
                to = q < 0 ? path : path + target.substring(q);
            }
            return s + "://" + h + p + to;
        }

        /** The request's host for the Location: its port dropped for a new port, or when the scheme changes away from its default port. */
        private static String requestHost(String host, String newScheme, boolean newPort, String requestScheme) {
            int colon = host.startsWith("[") ? host.lastIndexOf("]:") : host.lastIndexOf(':');
            if (colon < 0) return host;
            if (host.startsWith("[")) colon++;
            String requestPort = host.substring(colon);
            boolean remove = newPort;
            if (!newScheme.equals(requestScheme)) {
                remove |= requestScheme.equals("https") && requestPort.equals(":443");
                remove |= requestScheme.equals("http") && requestPort.equals(":80");
            }
            return remove ? host.substring(0, colon) : host;
        }
    }
}
