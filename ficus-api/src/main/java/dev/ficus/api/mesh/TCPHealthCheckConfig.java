package dev.ficus.api.mesh;

/**
 * A TCP readiness check on 127.0.0.1: ready once a connection is accepted.
 *
 * @param port the port to connect to; the app's {@code port} when unset
 */
public record TCPHealthCheckConfig(Integer port) {
}
