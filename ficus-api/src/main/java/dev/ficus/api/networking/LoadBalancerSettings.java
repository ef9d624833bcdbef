package dev.ficus.api.networking;

import dev.ficus.api.bind.Deprecated;
import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Required;
import dev.ficus.api.bind.Unsupported;

import java.time.Duration;

/**
 * How the proxy picks an endpoint: a simple algorithm or a consistent hash, with locality
 * preferences and warm-up of new endpoints.
 */
@OneOf({"simple", "consistentHash"})
public record LoadBalancerSettings(
        SimpleLB simple,
        ConsistentHashLB consistentHash,
        LocalityLoadBalancerSetting localityLbSetting,
        @Deprecated(use = "warmup.duration") Duration warmupDurationSecs,
        @Unsupported("slow start of new endpoints is not implemented by ficus") WarmupConfiguration warmup) {

    /** Algorithms that need no tuning. LEAST_CONN is Istio's deprecated name of LEAST_REQUEST. */
    public enum SimpleLB {
        UNSPECIFIED,
        LEAST_CONN,
        RANDOM,
        PASSTHROUGH,
        ROUND_ROBIN,
        LEAST_REQUEST
    }

    /** Slow start: new endpoints get a growing share of traffic during {@code duration}. */
    public record WarmupConfiguration(@Required Duration duration, Double minimumPercent, Double aggression) {
    }

    /** The simple algorithm in effect: LEAST_CONN read as LEAST_REQUEST, unset as ficus' default LEAST_REQUEST. */
    public SimpleLB effectiveSimple() {
        if (simple == null || simple == SimpleLB.UNSPECIFIED || simple == SimpleLB.LEAST_CONN) return SimpleLB.LEAST_REQUEST;
        return simple;
    }
}
