package dev.ficus.xds.ca;

import dev.ficus.xds.sync.Node;

import java.util.Objects;

/**
 * A proxy asks for a certificate for one of the workloads it serves.
 *
 * @param csrPem     a PKCS#10 CSR in PEM; its URI SAN, if any, must be the identity the control plane
 *                   decides for {@code workload}, or the request is refused
 * @param node       the proxy asking, as in its sync stream
 * @param workload   the WorkloadEntry name the certificate is for (null for a gateway known by labels)
 * @param namespace  the workload's namespace
 * @param ttlSeconds the lifetime wished for; 0 takes the CA's default, and the CA caps it
 */
public record SignRequest(String csrPem, Node node, String workload, String namespace, long ttlSeconds) {
    public SignRequest {
        Objects.requireNonNull(csrPem, "csrPem");
        Objects.requireNonNull(node, "node");
        if (ttlSeconds < 0) throw new IllegalArgumentException("ttlSeconds must not be negative: " + ttlSeconds);
    }
}
