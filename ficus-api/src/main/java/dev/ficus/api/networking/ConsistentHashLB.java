package dev.ficus.api.networking;

import dev.ficus.api.bind.Deprecated;
import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Required;

import java.time.Duration;

/**
 * Soft session affinity: the endpoint is chosen by hashing a header, a cookie, the source IP or a
 * query parameter, on a ring (default) or a Maglev table.
 *
 * @param minimumRingSize deprecated; use {@code ringHash.minimumRingSize}
 */
@OneOf(value = {"httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName"}, required = true)
@OneOf({"ringHash", "maglev"})
public record ConsistentHashLB(
        String httpHeaderName,
        HTTPCookie httpCookie,
        Boolean useSourceIp,
        String httpQueryParameterName,
        RingHash ringHash,
        MagLev maglev,
        @Deprecated(use = "ringHash.minimumRingSize") Long minimumRingSize) {

    /** Hash on this cookie; when {@code ttl} is set the proxy creates the cookie if absent (0s: session cookie). */
    public record HTTPCookie(@Required String name, String path, Duration ttl) {
    }

    /** Ring hash with at least {@code minimumRingSize} virtual nodes (default 1024). */
    public record RingHash(Long minimumRingSize) {
    }

    /** Maglev with a prime {@code tableSize} below 5000011 (default 65537). */
    public record MagLev(Long tableSize) {
    }

    /** Ring size in effect: ringHash's, else the deprecated top-level one, else 1024. */
    public long effectiveMinimumRingSize() {
        if (ringHash != null && ringHash.minimumRingSize() != null) return ringHash.minimumRingSize();
        if (minimumRingSize != null) return minimumRingSize;
        return 1024;
    }
}
