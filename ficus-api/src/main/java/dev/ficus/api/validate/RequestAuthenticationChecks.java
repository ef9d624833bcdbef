package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.RequestAuthentication;

/** Istio's validation rules for RequestAuthentication. */
final class RequestAuthenticationChecks implements Check<RequestAuthentication> {
    @Override
    public void check(Resource<RequestAuthentication> r, ConfigSet all, Report report) {
    }
}
