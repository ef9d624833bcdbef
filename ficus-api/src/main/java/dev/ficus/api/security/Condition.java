package dev.ficus.api.security;

import dev.ficus.api.bind.Required;

import java.util.List;

/**
 * Istio's {@code Condition}: one more attribute of the request that must match, e.g.
 * {@code key: request.headers[x-version], values: ["v2"]}. At least one of {@code values} and
 * {@code notValues} must be set; validation lists the supported keys.
 */
public record Condition(@Required String key, List<String> values, List<String> notValues) {
}
