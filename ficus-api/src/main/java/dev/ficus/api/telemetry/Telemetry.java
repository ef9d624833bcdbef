package dev.ficus.api.telemetry;

import java.util.Map;

/** Placeholder until the full spec lands. */
public record Telemetry(Map<String, Object> selector) {
}
