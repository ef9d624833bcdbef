/**
 * The {@code jwt} stage: Istio's RequestAuthentication. Verifies the JSON Web Token a request
 * carries (after the codec, before authorization and routing), refuses an invalid one with 401 and
 * hands the verified principal and claims to the {@code authz} stage.
 */
package dev.ficus.proxy.jwt;
