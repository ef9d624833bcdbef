package dev.ficus.control;

import dev.ficus.api.Kind;
import dev.ficus.api.config.ConfigSet;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The control plane's own metrics in Prometheus text format, under the names istiod uses where
 * one exists (so dashboards built for istiod read them): connected proxies, pushes, rejects,
 * convergence time from a config change to a proxy's ACK, and the size of the registry.
 */
public final class ControlMetrics {
    /** Bucket bounds of the convergence histogram, seconds (istiod's). */
    private static final double[] BOUNDS = {0.1, 0.5, 1, 3, 5, 10, 20, 30};

    private final AtomicLong connected = new AtomicLong();
    private final LongAdder connections = new LongAdder();
    private final LongAdder pushes = new LongAdder();
    private final LongAdder resourcesPushed = new LongAdder();
    private final LongAdder resourcesRemoved = new LongAdder();
    private final LongAdder acks = new LongAdder();
    private final LongAdder rejects = new LongAdder();
    private final LongAdder configRefused = new LongAdder();
    private final LongAdder configAccepted = new LongAdder();
    private final AtomicLongArray buckets = new AtomicLongArray(BOUNDS.length + 1);
    private final AtomicLong convergenceNanos = new AtomicLong();
    private volatile long services;
    private volatile long workloads;
    private volatile long virtualServices;
    private volatile long resources;

    void connected() { connected.incrementAndGet(); connections.increment(); }
    void disconnected() { connected.decrementAndGet(); }
    void pushed(int changed, int removed) { pushes.increment(); resourcesPushed.add(changed); resourcesRemoved.add(removed); }
    void nacked() { rejects.increment(); }
    void configRefused() { configRefused.increment(); }

    void acked(Duration sinceChange) {
        acks.increment();
        double s = sinceChange.toNanos() / 1e9;
        int i = 0;
        while (i < BOUNDS.length && s > BOUNDS[i]) i++;
        buckets.incrementAndGet(i);
        convergenceNanos.addAndGet(sinceChange.toNanos());
    }

    void configLoaded(ConfigSet c) {
        configAccepted.increment();
        services = c.all(Kind.SERVICE_ENTRY).size();
        workloads = c.all(Kind.WORKLOAD_ENTRY).size();
        virtualServices = c.all(Kind.VIRTUAL_SERVICE).size();
        resources = c.size();
    }

    public long connectedProxies() { return connected.get(); }
    public long rejects() { return rejects.sum(); }
    public long pushes() { return pushes.sum(); }
    public long resourcesPushed() { return resourcesPushed.sum(); }

    private volatile java.util.function.LongSupplier issued = () -> 0, refused = () -> 0;

    void certificates(java.util.function.LongSupplier issued, java.util.function.LongSupplier refused) {
        this.issued = issued;
        this.refused = refused;
    }

    /** The metrics in Prometheus' text exposition format 0.0.4. */
    public String prometheus() {
        StringBuilder b = new StringBuilder(2048);
        counter(b, "citadel_server_success_cert_issuance_count", "Workload certificates issued.", issued.getAsLong());
        counter(b, "ficus_ca_refused_total", "Certificate requests refused.", refused.getAsLong());
        gauge(b, "pilot_xds", "Proxies connected to this control plane.", connected.get());
        counter(b, "pilot_xds_connections_total", "Sync streams opened.", connections.sum());
        counter(b, "pilot_xds_pushes", "Pushes sent to proxies.", pushes.sum());
        counter(b, "ficus_xds_resources_pushed_total", "Resources carried by pushes (only what changed).", resourcesPushed.sum());
        counter(b, "ficus_xds_resources_removed_total", "Resource removals carried by pushes.", resourcesRemoved.sum());
        counter(b, "ficus_xds_acks_total", "Pushes acknowledged by proxies.", acks.sum());
        counter(b, "pilot_total_xds_rejects", "Pushes refused by proxies (NACK).", rejects.sum());
        counter(b, "ficus_config_changes_total", "Configurations accepted, including the first.", configAccepted.sum());
        counter(b, "ficus_config_refused_total", "Configuration changes refused for errors.", configRefused.sum());
        b.append("# HELP pilot_proxy_convergence_time Seconds from a config change to a proxy's ACK.\n");
        b.append("# TYPE pilot_proxy_convergence_time histogram\n");
        long cumulative = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            cumulative += buckets.get(i);
            b.append("pilot_proxy_convergence_time_bucket{le=\"").append(fmt(BOUNDS[i])).append("\"} ").append(cumulative).append('\n');
        }
        cumulative += buckets.get(BOUNDS.length);
        b.append("pilot_proxy_convergence_time_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
        b.append("pilot_proxy_convergence_time_sum ").append(fmt(convergenceNanos.get() / 1e9)).append('\n');
        b.append("pilot_proxy_convergence_time_count ").append(cumulative).append('\n');
        gauge(b, "pilot_services", "Services (ServiceEntries) in the registry.", services);
        gauge(b, "ficus_workloads", "WorkloadEntries in the registry, from files and registrations.", workloads);
        gauge(b, "pilot_virt_services", "VirtualServices in the configuration.", virtualServices);
        gauge(b, "ficus_config_resources", "Resources in the configuration.", resources);
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, long v) { metric(b, name, help, "gauge", v); }

    private static void counter(StringBuilder b, String name, String help, long v) { metric(b, name, help, "counter", v); }

    private static void metric(StringBuilder b, String name, String help, String type, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        b.append(name).append(' ').append(v).append('\n');
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.6g", d).replaceAll("0+$", "");
    }
}
