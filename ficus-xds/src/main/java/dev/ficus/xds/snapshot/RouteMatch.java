package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Objects;

/**
 * The conditions a request must meet for a route to apply; all given conditions must hold.
 *
 * @param path        a match on the path without query, or null for any path
 * @param headers     header conditions, all of which must hold ({@code :method} and {@code :scheme}
 *                    included, see {@link RequestAttributes#header})
 * @param method      an exact method, or null for any
 * @param queryParams query parameter conditions, all of which must hold (Istio's {@code queryParams})
 * @param ignoreCase  never null after construction (null reads as false): whether {@code path} ignores ASCII case when it is an exact or prefix match
 *                    (Istio's {@code ignoreUriCase}, Envoy's {@code case_sensitive: false}); a regex
 *                    is unaffected
 */
public record RouteMatch(StringMatch path, List<HeaderMatch> headers, String method, List<QueryParamMatch> queryParams, Boolean ignoreCase) {
    /** Matches every request. */
    public static final RouteMatch ANY = new RouteMatch(null, List.of(), null);

    public RouteMatch {
        headers = List.copyOf(Objects.requireNonNull(headers, "headers"));
        queryParams = queryParams == null ? List.of() : List.copyOf(queryParams);
        ignoreCase = Boolean.TRUE.equals(ignoreCase) ? Boolean.TRUE : Boolean.FALSE; // boxed so that a snapshot without it decodes (false)
    }

    public RouteMatch(StringMatch path, List<HeaderMatch> headers, String method) {
        this(path, headers, method, List.of(), false);
    }

    public static RouteMatch prefix(String prefix) { return new RouteMatch(new StringMatch.Prefix(prefix), List.of(), null); }

    public static RouteMatch exact(String path) { return new RouteMatch(new StringMatch.Exact(path), List.of(), null); }

    public RouteMatch withHeaders(HeaderMatch... more) { return new RouteMatch(path, List.of(more), method, queryParams, ignoreCase); }

    public RouteMatch withQueryParams(QueryParamMatch... more) { return new RouteMatch(path, headers, method, List.of(more), ignoreCase); }

    public RouteMatch ignoringCase() { return new RouteMatch(path, headers, method, queryParams, true); }

    public boolean matches(RequestAttributes request) {
        if (method != null && !method.equals(request.method())) return false;
        if (path != null && !(ignoreCase == Boolean.TRUE ? path.matchesIgnoreCase(request.path()) : path.matches(request.path()))) return false;
        for (int i = 0, n = headers.size(); i < n; i++) {
            if (!headers.get(i).matches(request)) return false;
        }
        for (int i = 0, n = queryParams.size(); i < n; i++) { // last: the query is split only when the rest holds
            if (!queryParams.get(i).matches(request)) return false;
        }
        return true;
    }
}
