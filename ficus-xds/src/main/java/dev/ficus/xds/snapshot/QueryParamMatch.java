package dev.ficus.xds.snapshot;

import java.util.Objects;

/**
 * A condition on one query parameter (Istio's {@code queryParams}, Envoy's
 * {@code QueryParameterMatcher}): the parameter must be present and its first value, raw as sent
 * (see {@link QueryString}), must match; {@link StringMatch.Present} only asks for presence.
 */
public record QueryParamMatch(String name, StringMatch match) {
    public QueryParamMatch {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(match, "match");
    }

    /** Evaluates against the request's query; an absent parameter never matches. */
    public boolean matches(RequestAttributes request) {
        String v = request.queryParam(name);
        return v != null && match.matches(v);
    }
}
