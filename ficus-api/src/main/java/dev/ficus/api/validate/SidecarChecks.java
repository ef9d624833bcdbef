package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.Sidecar;

/** Istio's validation rules for Sidecar. */
final class SidecarChecks implements Check<Sidecar> {
    @Override
    public void check(Resource<Sidecar> r, ConfigSet all, Report report) {
    }
}
