/**
 * Istio's security.istio.io/v1 kinds as immutable records (PeerAuthentication,
 * AuthorizationPolicy, RequestAuthentication) plus the small parsed values the proxy's authn and
 * authz stages reuse: {@link dev.ficus.api.security.StringMatch} for Istio's exact / prefix /
 * suffix / presence forms and {@link dev.ficus.api.security.IpBlock} for addresses and CIDRs.
 */
package dev.ficus.api.security;
