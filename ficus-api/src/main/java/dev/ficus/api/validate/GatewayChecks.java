package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.Gateway;

/** Istio's validation rules for Gateway. */
final class GatewayChecks implements Check<Gateway> {
    @Override
    public void check(Resource<Gateway> r, ConfigSet all, Report report) {
    }
}
