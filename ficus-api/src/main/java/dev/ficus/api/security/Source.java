package dev.ficus.api.security;

import dev.ficus.api.bind.Unsupported;

import java.util.List;

/**
 * Istio's {@code Source}: who sent a request. Fields are ANDed; values within a field are ORed;
 * a {@code not*} field matches when none of its values do.
 *
 * @param principals        peer identities from the client certificate, {@code TRUST_DOMAIN/ns/NS/sa/SA}
 *                          (a {@link dev.ficus.api.SpiffeId} without {@code spiffe://}); needs mTLS
 * @param requestPrincipals JWT identities, {@code ISSUER/SUBJECT}; needs a RequestAuthentication
 * @param namespaces        the peer's namespace, from its certificate; needs mTLS
 * @param ipBlocks          the connection's source address: addresses or CIDRs, see {@link IpBlock}
 * @param remoteIpBlocks    the original client address (X-Forwarded-For or PROXY protocol)
 * @param serviceAccounts   {@code NS/SA} or {@code SA} (same namespace as the policy); needs mTLS
 */
public record Source(
        List<String> principals,
        List<String> notPrincipals,
        List<String> requestPrincipals,
        List<String> notRequestPrincipals,
        List<String> namespaces,
        List<String> notNamespaces,
        @Unsupported("not enforced by ficus yet; write principals: [\"TRUST_DOMAIN/ns/NS/sa/SA\"] instead") List<String> serviceAccounts,
        @Unsupported("not enforced by ficus yet; write notPrincipals: [\"TRUST_DOMAIN/ns/NS/sa/SA\"] instead") List<String> notServiceAccounts,
        List<String> ipBlocks,
        List<String> notIpBlocks,
        List<String> remoteIpBlocks,
        List<String> notRemoteIpBlocks) {

    /** True when no field is set: Istio refuses such a source. */
    public boolean isEmpty() {
        return principals.isEmpty() && notPrincipals.isEmpty() && requestPrincipals.isEmpty()
                && notRequestPrincipals.isEmpty() && namespaces.isEmpty() && notNamespaces.isEmpty()
                && serviceAccounts.isEmpty() && notServiceAccounts.isEmpty() && ipBlocks.isEmpty()
                && notIpBlocks.isEmpty() && remoteIpBlocks.isEmpty() && notRemoteIpBlocks.isEmpty();
    }
}
