package dev.ficus.api.networking;

import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Required;

/**
 * Rewrites the path and/or authority before forwarding.
 *
 * @param uri             replaces the part of the path matched by the match's uri (the whole path
 *                        for an exact match, the prefix for a prefix match)
 * @param uriRegexRewrite replaces what an RE2 regular expression matches in the path
 */
@OneOf({"uri", "uriRegexRewrite"})
public record HTTPRewrite(String uri, String authority, RegexRewrite uriRegexRewrite) {

    /** {@code match} is an RE2 expression; {@code rewrite} may use \1-style capture references. */
    public record RegexRewrite(@Required String match, @Required String rewrite) {
    }
}
