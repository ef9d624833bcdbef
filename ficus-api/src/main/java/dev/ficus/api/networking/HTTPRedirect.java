package dev.ficus.api.networking;

import dev.ficus.api.bind.OneOf;

/**
 * Answers with a redirect instead of forwarding.
 *
 * @param port         port of the Location; or {@code derivePort} to take it from the request or protocol
 * @param redirectCode 3xx status, 301 when unset
 */
@OneOf({"port", "derivePort"})
public record HTTPRedirect(
        String uri,
        String authority,
        Integer port,
        RedirectPortSelection derivePort,
        String scheme,
        Integer redirectCode) {

    public enum RedirectPortSelection {
        FROM_PROTOCOL_DEFAULT,
        FROM_REQUEST_PORT
    }

    /** The status to answer with: {@code redirectCode}, or 301. */
    public int effectiveRedirectCode() {
        return redirectCode == null ? 301 : redirectCode;
    }
}
