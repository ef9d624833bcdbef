package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

/**
 * An inbound listener of the sidecar.
 *
 * @param defaultEndpoint where the application listens: {@code 127.0.0.1:PORT}, {@code 0.0.0.0:PORT},
 *                        {@code [::1]:PORT} or {@code unix:///path}
 */
public record IstioIngressListener(
        @Required SidecarPort port,
        String bind,
        CaptureMode captureMode,
        String defaultEndpoint,
        ServerTLSSettings tls,
        ConnectionPoolSettings connectionPool) {
}
