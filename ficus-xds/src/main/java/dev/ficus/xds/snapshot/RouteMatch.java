package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Objects;

/**
 * The conditions a request must meet for a route to apply; all given conditions must hold.
 *
 * @param path    a match on the path without query, or null for any path
 * @param headers header conditions, all of which must hold
 * @param method  an exact method, or null for any
 */
public record RouteMatch(StringMatch path, List<HeaderMatch> headers, String method) {
    /** Matches every request. */
    public static final RouteMatch ANY = new RouteMatch(null, List.of(), null);

    public RouteMatch {
        headers = List.copyOf(Objects.requireNonNull(headers, "headers"));
    }

    public static RouteMatch prefix(String prefix) { return new RouteMatch(new StringMatch.Prefix(prefix), List.of(), null); }

    public static RouteMatch exact(String path) { return new RouteMatch(new StringMatch.Exact(path), List.of(), null); }

    public RouteMatch withHeaders(HeaderMatch... more) { return new RouteMatch(path, List.of(more), method); }

    public boolean matches(RequestAttributes request) {
        if (method != null && !method.equals(request.method())) return false;
        if (path != null && !path.matches(request.path())) return false;
        for (int i = 0, n = headers.size(); i < n; i++) {
            if (!headers.get(i).matches(request)) return false;
        }
        return true;
    }
}
