/**
 * The authz stage: Istio AuthorizationPolicy enforced on inbound and gateway listeners, after the
 * codec and before route matching (HTTP), or before a TCP connection is spliced. Matchers are
 * compiled once per snapshot ({@link dev.ficus.proxy.authz.AuthzEngine}); a request only evaluates.
 */
package dev.ficus.proxy.authz;
