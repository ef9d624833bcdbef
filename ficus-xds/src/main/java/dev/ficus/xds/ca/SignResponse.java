package dev.ficus.xds.ca;

import java.util.List;

/**
 * The certificate issued, in PEM.
 *
 * @param certChainPem   the leaf first, then any intermediates, up to (not including) the root
 * @param trustBundlePem the roots a workload trusts; during a CA rotation there are two
 */
public record SignResponse(List<String> certChainPem, List<String> trustBundlePem) {
    public SignResponse {
        certChainPem = certChainPem == null ? List.of() : List.copyOf(certChainPem);
        trustBundlePem = trustBundlePem == null ? List.of() : List.copyOf(trustBundlePem);
    }
}
