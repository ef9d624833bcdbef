package dev.ficus.api.networking;

import java.util.List;

/** Placeholder until the full spec lands. */
public record ServiceEntry(List<String> hosts) {
}
