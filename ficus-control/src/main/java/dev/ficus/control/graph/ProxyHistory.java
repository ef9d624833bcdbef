package dev.ficus.control.graph;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recent samples of one proxy, enough to answer "what happened over the last W" for any
 * window up to {@code retain}: samples at least {@code spacing} apart (an on-demand scrape right
 * after a periodic one replaces it rather than adding one), none older than needed. A window
 * compares the newest sample with the newest one at least W older — or, while the history is
 * shorter than W, the oldest. Used on the scraper's state thread only.
 */
final class ProxyHistory {
    /** Two samples of one proxy and what happened between them. */
    record Window(ProxySample base, ProxySample latest, Map<EdgeKey, EdgeCounters> deltas) {
        double seconds() { return (latest.atNanos() - base.atNanos()) / 1e9; }
    }

    private final ArrayDeque<ProxySample> samples = new ArrayDeque<>();
    private final long spacingNanos;
    private final long retainNanos;

    ProxyHistory(Duration spacing, Duration retain) {
        this.spacingNanos = spacing.toNanos();
        this.retainNanos = retain.toNanos();
    }

    void add(ProxySample s) {
        ProxySample last = samples.peekLast();
        if (last != null && s.atNanos() < last.atNanos()) return; // a late answer: a newer one is in
        if (samples.size() >= 2) {
            Iterator<ProxySample> back = samples.descendingIterator();
            back.next();
            ProxySample beforeLast = back.next();
            if (s.atNanos() - beforeLast.atNanos() < spacingNanos) samples.pollLast(); // last is too close to its predecessor
        }
        samples.addLast(share(last, s));
        // keep the newest sample that is at least `retain` old (the base of the longest window), drop what is older
        while (samples.size() > 2) {
            Iterator<ProxySample> it = samples.iterator();
            it.next();
            if (s.atNanos() - it.next().atNanos() >= retainNanos) samples.pollFirst();
            else break;
        }
    }

    /** An idle edge keeps the same counters object from sample to sample: the history costs little for it. */
    private static ProxySample share(ProxySample previous, ProxySample s) {
        if (previous == null) return s;
        Map<EdgeKey, EdgeCounters> edges = new LinkedHashMap<>(s.edges().size() * 2);
        boolean shared = false;
        for (var e : s.edges().entrySet()) {
            EdgeCounters before = previous.edges().get(e.getKey());
            if (before != null && before.equals(e.getValue())) {
                edges.put(e.getKey(), before);
                shared = true;
            } else {
                edges.put(e.getKey(), e.getValue());
            }
        }
        return shared ? new ProxySample(s.atNanos(), s.bounds(), edges) : s;
    }

    int size() { return samples.size(); }

    ProxySample latest() { return samples.peekLast(); }

    /** What happened over the last {@code window} (or as much of it as the history holds); null with fewer than two samples. */
    Window window(Duration window) {
        if (samples.size() < 2) return null;
        ProxySample latest = samples.peekLast();
        long want = latest.atNanos() - window.toNanos();
        ProxySample base = samples.peekFirst();
        for (ProxySample s : samples) {
            if (s == latest) break;
            if (s.atNanos() <= want) base = s;
        }
        Map<EdgeKey, EdgeCounters> deltas = new LinkedHashMap<>();
        for (var e : latest.edges().entrySet()) {
            EdgeCounters d = e.getValue().since(base.edges().get(e.getKey()));
            if (!d.isZero()) deltas.put(e.getKey(), d);
        }
        return new Window(base, latest, deltas);
    }

    /** The samples' times, oldest first (for tests). */
    List<Long> times() {
        List<Long> t = new ArrayList<>();
        for (ProxySample s : samples) t.add(s.atNanos());
        return t;
    }
}
