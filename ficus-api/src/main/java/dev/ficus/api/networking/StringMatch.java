package dev.ficus.api.networking;

import dev.ficus.api.bind.OneOf;

/** Matches a string exactly, by prefix, or by an RE2 regular expression (the whole value must match). */
@OneOf({"exact", "prefix", "regex"})
public record StringMatch(String exact, String prefix, String regex) {
}
