/**
 * The sync protocol between the control plane and proxies: one gRPC bidirectional stream per
 * proxy ({@code ficus.sync.v1.Sync/Stream}) with xDS semantics. The control plane pushes
 * {@link dev.ficus.xds.sync.SyncResponse}s carrying only the resources (listeners, route tables,
 * clusters) that changed since the proxy's last ACK, with a version and a nonce; the proxy answers
 * each with an ACK or a NACK naming what it could not apply, and keeps serving its last good
 * snapshot whenever the control plane is away (fail static). Messages are JSON, so the stream can
 * be read with any gRPC tool that accepts {@code application/grpc+json}.
 *
 * <p>{@link dev.ficus.xds.sync.SyncServer} is the control plane's half, {@link dev.ficus.xds.sync.SyncClient}
 * the proxy's; {@link dev.ficus.xds.sync.ControlChannel} is how a proxy reaches the control plane,
 * in plaintext or over TLS with its workload certificate and, to enrol, the bootstrap token.
 */
package dev.ficus.xds.sync;
