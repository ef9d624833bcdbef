package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.DestinationRule;

/** Istio's validation rules for DestinationRule. */
final class DestinationRuleChecks implements Check<DestinationRule> {
    @Override
    public void check(Resource<DestinationRule> r, ConfigSet all, Report report) {
    }
}
