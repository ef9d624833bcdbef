package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.VirtualService;

/** Istio's validation rules for VirtualService. */
final class VirtualServiceChecks implements Check<VirtualService> {
    @Override
    public void check(Resource<VirtualService> r, ConfigSet all, Report report) {
    }
}
