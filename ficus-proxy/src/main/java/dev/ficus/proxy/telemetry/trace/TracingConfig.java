package dev.ficus.proxy.telemetry.trace;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a proxy's {@link Tracer} names itself and batches its spans.
 *
 * @param nodeId        the proxy's node id, on every span as {@code node_id}
 * @param meshId        {@code istio.mesh_id} ({@code cluster.local}, Istio's default)
 * @param maxQueueSize  spans waiting for export; a span finished while it is full is dropped and counted
 * @param maxBatchSize  spans per export request
 * @param scheduleDelay the longest a span waits before its batch is sent
 * @param exportTimeout the longest one export request may take
 * @param env           the proxy's environment, for ENVIRONMENT custom tags (read once per listener config)
 */
public record TracingConfig(String nodeId, String meshId, int maxQueueSize, int maxBatchSize, Duration scheduleDelay, Duration exportTimeout,
                            Function<String, String> env) {
    public static final String DEFAULT_MESH_ID = "cluster.local";

    public TracingConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        meshId = meshId == null ? DEFAULT_MESH_ID : meshId;
        if (maxQueueSize < 1 || maxBatchSize < 1 || maxBatchSize > maxQueueSize) {
            throw new IllegalArgumentException("need 1 <= maxBatchSize <= maxQueueSize, got " + maxBatchSize + " and " + maxQueueSize);
        }
        Objects.requireNonNull(scheduleDelay, "scheduleDelay");
        Objects.requireNonNull(exportTimeout, "exportTimeout");
        env = env == null ? System::getenv : env;
    }

    /** The OpenTelemetry SDK's batching defaults (2048 spans queued, 512 a batch, 5 s), a 10 s export timeout. */
    public static TracingConfig defaults(String nodeId) {
        return new TracingConfig(nodeId, DEFAULT_MESH_ID, 2048, 512, Duration.ofSeconds(5), Duration.ofSeconds(10), System::getenv);
    }

    public TracingConfig withScheduleDelay(Duration d) {
        return new TracingConfig(nodeId, meshId, maxQueueSize, maxBatchSize, d, exportTimeout, env);
    }

    public TracingConfig withQueue(int maxQueue, int maxBatch) {
        return new TracingConfig(nodeId, meshId, maxQueue, maxBatch, scheduleDelay, exportTimeout, env);
    }

    public TracingConfig withEnv(Function<String, String> e) {
        return new TracingConfig(nodeId, meshId, maxQueueSize, maxBatchSize, scheduleDelay, exportTimeout, e);
    }
}
