package dev.ficus.api.mesh;

/**
 * An HTTP GET readiness check on 127.0.0.1.
 *
 * @param path the request path; {@code /} when unset
 * @param port the port to call; the app's {@code port} when unset
 */
public record HTTPHealthCheckConfig(String path, Integer port) {

    public String pathOrDefault() {
        return path == null || path.isEmpty() ? "/" : path;
    }
}
