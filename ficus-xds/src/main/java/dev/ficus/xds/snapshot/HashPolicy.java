package dev.ficus.xds.snapshot;

import java.time.Duration;
import java.util.Objects;

/** What a consistent-hash load balancer hashes for each request (DestinationRule's {@code consistentHash} key). */
public sealed interface HashPolicy {
    /** The value of a request header; requests without it are spread at random. */
    record Header(String name) implements HashPolicy {
        public Header {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) throw new IllegalArgumentException("header name must not be empty");
        }
    }

    /**
     * The value of a cookie. When {@code ttl} is set and the request has no such cookie, the proxy
     * makes one up and returns it with {@code Set-Cookie} (as Envoy does), so the client sticks to
     * the endpoint from its next request on; a zero ttl makes a session cookie.
     *
     * @param path the cookie's path, or null
     * @param ttl  null: never generate the cookie
     */
    record Cookie(String name, String path, Duration ttl) implements HashPolicy {
        public Cookie {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) throw new IllegalArgumentException("cookie name must not be empty");
            if (ttl != null && ttl.isNegative()) throw new IllegalArgumentException("cookie ttl must be >= 0");
        }
    }

    /** The downstream peer's IP address. */
    record SourceIp() implements HashPolicy {
    }

    /** The value of a query parameter; requests without it are spread at random. */
    record QueryParameter(String name) implements HashPolicy {
        public QueryParameter {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) throw new IllegalArgumentException("query parameter name must not be empty");
        }
    }
}
