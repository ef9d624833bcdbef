package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.WorkloadEntry;

/** Istio's validation rules for WorkloadEntry. */
final class WorkloadEntryChecks implements Check<WorkloadEntry> {
    @Override
    public void check(Resource<WorkloadEntry> r, ConfigSet all, Report report) {
    }
}
