package dev.ficus.xds.sync;

import java.util.List;
import java.util.Objects;

/**
 * From control plane to proxy: the resources that changed since the proxy's last ACK and the
 * names of those removed. Applying them to what the proxy holds gives the snapshot of
 * {@code versionInfo}. {@code nonce} ties the proxy's ACK or NACK to this push.
 */
public record SyncResponse(String versionInfo, String nonce, List<WireResource> resources, List<ResourceKey> removed) {
    public SyncResponse {
        Objects.requireNonNull(versionInfo, "versionInfo");
        Objects.requireNonNull(nonce, "nonce");
        resources = resources == null ? List.of() : List.copyOf(resources);
        removed = removed == null ? List.of() : List.copyOf(removed);
    }
}
