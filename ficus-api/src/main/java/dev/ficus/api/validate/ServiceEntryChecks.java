package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.ServiceEntry;

/** Istio's validation rules for ServiceEntry. */
final class ServiceEntryChecks implements Check<ServiceEntry> {
    @Override
    public void check(Resource<ServiceEntry> r, ConfigSet all, Report report) {
    }
}
