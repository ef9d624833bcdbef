package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

/** Answers directly with {@code status} and an optional body instead of forwarding. */
public record HTTPDirectResponse(@Required Integer status, HTTPBody body) {
}
