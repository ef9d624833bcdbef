package dev.ficus.proxy.telemetry.accesslog;

import dev.ficus.api.cel.CelFilter;
import dev.ficus.proxy.telemetry.Exchange;
import dev.ficus.proxy.telemetry.ExchangeObserver;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The access log of one listener in one snapshot: at the end of each exchange, samples, applies
 * the Telemetry filter and queues a line. Made off the event loop by {@link AccessLogger}; called
 * on the exchange's event loop, where it takes no lock and allocates nothing of its own.
 */
final class ListenerAccessLog implements ExchangeObserver {
    /** Sampling compares a uniform draw in [0, 1,000,000) with this; 1,000,000 keeps every line. */
    static final int ALL = 1_000_000;

    private final AccessLogWriter writer;
    private final CelFilter filter; // null: every exchange
    private final int sampleBelow;
    private final boolean inbound;
    private final ExchangeAttributes attributes;

    ListenerAccessLog(AccessLogWriter writer, CelFilter filter, double samplePercent, boolean inbound) {
        this.writer = writer;
        this.filter = filter;
        this.sampleBelow = (int) Math.round(samplePercent * (ALL / 100));
        this.inbound = inbound;
        this.attributes = inbound ? ExchangeAttributes.INBOUND : ExchangeAttributes.OUTBOUND;
    }

    @Override
    public void onEnd(Exchange ex) {
        if (sampleBelow < ALL && ThreadLocalRandom.current().nextInt(ALL) >= sampleBelow) return;
        if (filter != null && !filter.test(attributes, ex)) return;
        writer.offer(ex, inbound);
    }

    CelFilter filter() { return filter; }
}
