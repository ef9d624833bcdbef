package dev.ficus.api.telemetry;

import dev.ficus.api.bind.Required;

/** Istio's {@code ProviderRef}: a telemetry provider by the name the mesh configuration gives it. */
public record ProviderRef(@Required String name) {
}
