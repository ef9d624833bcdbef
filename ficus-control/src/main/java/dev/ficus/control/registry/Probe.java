package dev.ficus.control.registry;

import java.time.Duration;
import java.util.Objects;

/**
 * An active health check, as a Kubernetes readiness probe describes one: what to try, how often,
 * how long to wait, and how many failures in a row make an endpoint unhealthy.
 *
 * @param check            what to try against the endpoint's address
 * @param period           time between two checks
 * @param timeout          a check that has not succeeded within this time has failed
 * @param failureThreshold consecutive failures that make a healthy endpoint unhealthy
 */
public record Probe(Check check, Duration period, Duration timeout, int failureThreshold) {

    /** Kubernetes' defaults: {@code periodSeconds: 10}, {@code timeoutSeconds: 1}, {@code failureThreshold: 3}. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_FAILURE_THRESHOLD = 3;

    public Probe {
        Objects.requireNonNull(check, "check");
        if (period == null || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, got " + period);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold must be 1 or more, got " + failureThreshold);
        }
    }

    public static Probe httpGet(String path, int port, Duration period, Duration timeout, int failureThreshold) {
        return new Probe(new HttpGet(path, port), period, timeout, failureThreshold);
    }

    public static Probe tcp(int port, Duration period, Duration timeout, int failureThreshold) {
        return new Probe(new TcpSocket(port), period, timeout, failureThreshold);
    }

    /** What a probe tries. */
    public sealed interface Check permits HttpGet, TcpSocket {
        int port();
    }

    /** {@code GET path} on the port; healthy on a 2xx or 3xx answer. */
    public record HttpGet(String path, int port) implements Check {
        public HttpGet {
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/', got " + path);
            }
            checkPort(port);
        }
    }

    /** A TCP connect to the port; healthy when it is accepted. */
    public record TcpSocket(int port) implements Check {
        public TcpSocket {
            checkPort(port);
        }
    }

    private static void checkPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, got " + port);
        }
    }
}
