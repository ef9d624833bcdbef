package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.AuthorizationPolicy;

/** Istio's validation rules for AuthorizationPolicy. */
final class AuthorizationPolicyChecks implements Check<AuthorizationPolicy> {
    @Override
    public void check(Resource<AuthorizationPolicy> r, ConfigSet all, Report report) {
    }
}
