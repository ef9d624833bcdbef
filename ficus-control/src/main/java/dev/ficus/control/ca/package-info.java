/**
 * The mesh's certificate authority: a root generated on first start (or the user's own CA, in
 * Istio's plug-in layout) that signs workload CSRs into SPIFFE X.509 SVIDs, and the
 * {@code ficus.ca.v1.Certificates} gRPC service proxies call on the sync port. The CA decides
 * the identity in each certificate from the registry; a CSR only proposes a key.
 */
package dev.ficus.control.ca;
