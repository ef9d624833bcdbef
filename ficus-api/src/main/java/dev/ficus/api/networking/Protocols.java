package dev.ficus.api.networking;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Istio's port protocol names, matched case-insensitively as Istio does ({@code http} is HTTP). */
public final class Protocols {
    /** Every protocol Istio accepts on a port. */
    public static final List<String> ALL = List.of(
            "HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "HTTP_PROXY", "MONGO", "MYSQL", "REDIS", "TCP", "TLS", "UDP");

    private Protocols() {
    }

    /** The canonical (upper-case) name of {@code protocol}, if Istio knows it. */
    public static Optional<String> canonical(String protocol) {
        if (protocol == null) return Optional.empty();
        String p = protocol.toUpperCase(Locale.ROOT);
        return ALL.contains(p) ? Optional.of(p) : Optional.empty();
    }

    public static boolean isHttp(String canonical) {
        return switch (canonical) {
            case "HTTP", "HTTP2", "GRPC", "GRPC-WEB", "HTTP_PROXY" -> true;
            default -> false;
        };
    }

    /** Protocols that carry TLS the proxy may terminate or pass through. */
    public static boolean isTls(String canonical) {
        return canonical.equals("HTTPS") || canonical.equals("TLS");
    }
}
