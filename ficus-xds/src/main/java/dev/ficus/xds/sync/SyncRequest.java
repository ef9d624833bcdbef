package dev.ficus.xds.sync;

import java.util.Map;

/**
 * From proxy to control plane. The first request of a stream carries the {@link Node}, the
 * version the proxy serves and the hashes of the resources it holds (so a control plane that
 * restarted sends only what differs). Every later request answers one push: an ACK
 * ({@code responseNonce} of the push, {@code versionInfo} now served, no error) or a NACK
 * ({@code errorDetail} set, {@code versionInfo} still the previous one).
 *
 * @param known resource key ({@code TYPE/name}) → hash; first request only
 */
public record SyncRequest(Node node, String versionInfo, String responseNonce, String errorDetail, Map<String, String> known) {
    public SyncRequest {
        versionInfo = versionInfo == null ? "" : versionInfo;
        responseNonce = responseNonce == null ? "" : responseNonce;
        known = known == null ? Map.of() : Map.copyOf(known);
    }

    public static SyncRequest hello(Node node, String versionInfo, Map<String, String> known) {
        return new SyncRequest(node, versionInfo, "", null, known);
    }

    public static SyncRequest ack(String versionInfo, String nonce) {
        return new SyncRequest(null, versionInfo, nonce, null, null);
    }

    public static SyncRequest nack(String versionInfo, String nonce, String error) {
        return new SyncRequest(null, versionInfo, nonce, error, null);
    }

    public boolean isNack() { return errorDetail != null; }
}
