/**
 * Workload certificates, the half both sides share: the {@code ficus.ca.v1.Certificates/Sign}
 * method ({@link dev.ficus.xds.ca.CertificateService}), keys, CSRs and PEM
 * ({@link dev.ficus.xds.ca.WorkloadIdentity}, {@link dev.ficus.xds.ca.Pem}), and the proxy's
 * {@link dev.ficus.xds.ca.CertificateClient}, which keeps a SPIFFE X.509 SVID fresh. The private
 * key is generated in the proxy and never leaves it; the control plane's CA only sees a CSR.
 */
package dev.ficus.xds.ca;
