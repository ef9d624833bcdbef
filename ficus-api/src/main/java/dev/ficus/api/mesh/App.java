package dev.ficus.api.mesh;

import dev.ficus.api.bind.Required;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * App spec (mesh.ficus.dev/v1alpha1): a local process that provides one WorkloadEntry, so that
 * {@code ficus up DIR} can start a whole system — legacy apps included — from one directory. The
 * runner starts {@code command}, waits until the app is ready, and on shutdown sends SIGTERM and
 * waits {@code stopTimeout} before killing it.
 *
 * @param command        the program and its arguments (argv, no shell). In any element
 *                       {@value #FICUS_JAVA} is replaced by the path of the {@code java} that runs
 *                       ficus, so a Java app starts on a known JDK: {@code ["${FICUS_JAVA}", "apps/Shop.java"]}
 * @param workingDir     the directory the app starts in, relative to the directory of the YAML file
 *                       that defines it; that directory when unset
 * @param env            variables added to ficus's own environment for the app, e.g. {@code PORT} and
 *                       {@code HTTP_PROXY=http://127.0.0.1:15001} to send its calls through the mesh
 * @param workload       the WorkloadEntry (same namespace) this app is an instance of: its address
 *                       and ports are where the mesh sends the app's traffic
 * @param port           the port the app listens on; a probe without a port checks this one
 * @param readinessProbe how to tell that the app is ready, in the shape of Istio's WorkloadGroup
 *                       probe; without one the app counts as ready once started
 * @param stopTimeout    how long a stopping app may take after SIGTERM before it is killed;
 *                       {@link #DEFAULT_STOP_TIMEOUT} when unset
 */
public record App(
        @Required List<String> command,
        String workingDir,
        Map<String, String> env,
        @Required String workload,
        Integer port,
        ReadinessProbe readinessProbe,
        Duration stopTimeout) {

    /** The placeholder in {@link #command} that the runner replaces by the path of ficus's java. */
    public static final String FICUS_JAVA = "${FICUS_JAVA}";

    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

    public Duration stopTimeoutOrDefault() {
        return stopTimeout == null ? DEFAULT_STOP_TIMEOUT : stopTimeout;
    }

    /** The port the readiness probe checks: its own, else the app's; null when neither is set. */
    public Integer probePort() {
        if (readinessProbe == null) return null;
        Integer own = readinessProbe.httpGet() != null ? readinessProbe.httpGet().port()
                : readinessProbe.tcpSocket() != null ? readinessProbe.tcpSocket().port() : null;
        return own != null ? own : port;
    }
}
