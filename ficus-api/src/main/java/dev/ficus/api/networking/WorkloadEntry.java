package dev.ficus.api.networking;

import java.util.List;

/** Placeholder until the full spec lands. */
public record WorkloadEntry(List<String> hosts) {
}
