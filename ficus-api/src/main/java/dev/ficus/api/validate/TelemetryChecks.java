package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.telemetry.Telemetry;

/** Istio's validation rules for Telemetry. */
final class TelemetryChecks implements Check<Telemetry> {
    @Override
    public void check(Resource<Telemetry> r, ConfigSet all, Report report) {
    }
}
