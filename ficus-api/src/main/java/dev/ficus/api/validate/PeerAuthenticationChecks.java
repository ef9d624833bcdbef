package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.PeerAuthentication;

/** Istio's validation rules for PeerAuthentication. */
final class PeerAuthenticationChecks implements Check<PeerAuthentication> {
    @Override
    public void check(Resource<PeerAuthentication> r, ConfigSet all, Report report) {
    }
}
