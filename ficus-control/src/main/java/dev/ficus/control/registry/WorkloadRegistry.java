package dev.ficus.control.registry;

import dev.ficus.api.Kind;
import dev.ficus.api.ObjectMeta;
import dev.ficus.api.Origin;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.config.Positions;
import dev.ficus.api.networking.WorkloadEntry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The workloads that legacy systems registered over REST, each with a lease. The control plane
 * merges {@link #asWorkloadEntries()} into its configuration and translates again whenever a
 * listener fires, so a registered instance becomes an endpoint of every ServiceEntry whose
 * workload selector matches its labels.
 *
 * <p>Thread-safe: REST calls arrive on Netty event loops, expiry on the sweeper thread, health
 * changes on the {@link HealthChecker}'s threads. All state sits behind one lock held only for
 * in-memory work; listeners run after it is released, on the thread that made the change.
 *
 * <p>A workload whose lease ran out is gone at once for every reader (list, heartbeat,
 * {@link #asWorkloadEntries()}); the sweeper removes it from memory, stops its probe and tells
 * the listeners within one sweep interval.
 */
public final class WorkloadRegistry implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WorkloadRegistry.class.getName());

    /** The file an origin of a registered workload names, so that diagnostics point at the REST API. */
    public static final String ORIGIN = "registry:POST /v1/workloads";
    private static final String HEALTH_KEY_PREFIX = "registry:";

    /** What {@link #register} did. */
    public enum Outcome { CREATED, REPLACED }

    public record Registered(Outcome outcome, RegisteredWorkload workload) {
    }

    private record Entry(Registration registration, Instant registeredAt, Instant expiresAt, String fingerprint) {
    }

    private final InstantSource clock;
    private final HealthChecker health;
    private final ScheduledExecutorService sweeper;
    private final Object lock = new Object();
    // guarded by lock
    private final Map<String, Entry> entries = new HashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final HealthChecker.Listener healthListener = this::onHealthChanged;

    /**
     * @param clock         the time leases are measured in
     * @param health        probes registered workloads that have a probe; shared with the rest of the control plane
     * @param sweepInterval how often expired workloads are removed and announced
     */
    public WorkloadRegistry(InstantSource clock, HealthChecker health, Duration sweepInterval) {
        this.clock = clock;
        this.health = health;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ficus-registry-sweeper-" + SWEEPERS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        health.addListener(healthListener);
        long nanos = sweepInterval.toNanos();
        sweeper.scheduleWithFixedDelay(this::sweepSafely, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    private static final AtomicInteger SWEEPERS = new AtomicInteger();

    /** Called after every change that {@link #asWorkloadEntries()} or {@link #list()} can see. */
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    /**
     * Creates or replaces the workload {@code namespace/name} and starts its lease. Listeners hear
     * of it unless it replaced an identical registration (a system that re-registers instead of
     * sending heartbeats causes no translation).
     */
    public Registered register(Registration registration) {
        Instant now = clock.instant();
        String fingerprint = fingerprint(registration);
        Entry old;
        Entry fresh;
        boolean changed;
        boolean expiredRemoved;
        synchronized (lock) {
            expiredRemoved = removeExpired(now);
            old = entries.get(registration.key());
            fresh = new Entry(registration, old == null ? now : old.registeredAt(), now.plus(registration.ttl()), fingerprint);
            entries.put(registration.key(), fresh);
            changed = old == null || !old.fingerprint().equals(fingerprint);
            // the health checker is updated under the lock, so that a concurrent replacement of the
            // same workload cannot leave the older probe running
            if (old == null || !java.util.Objects.equals(old.registration().probe(), registration.probe())
                    || !old.registration().address().equals(registration.address())) {
                if (registration.probe() != null) {
                    health.watch(healthKey(registration.key()), registration.probe(), registration.address());
                } else if (old != null) {
                    health.unwatch(healthKey(registration.key()));
                }
            }
        }
        if (changed || expiredRemoved) notifyListeners();
        return new Registered(old == null ? Outcome.CREATED : Outcome.REPLACED, view(fresh));
    }

    /** Renews the lease of {@code namespace/name}; empty when no such workload is registered. */
    public Optional<RegisteredWorkload> heartbeat(String namespace, String name) {
        Instant now = clock.instant();
        RegisteredWorkload result = null;
        boolean expiredRemoved;
        synchronized (lock) {
            expiredRemoved = removeExpired(now);
            Entry e = entries.get(namespace + "/" + name);
            if (e != null) {
                Entry renewed = new Entry(e.registration(), e.registeredAt(), now.plus(e.registration().ttl()), e.fingerprint());
                entries.put(e.registration().key(), renewed);
                result = view(renewed);
            }
        }
        if (expiredRemoved) notifyListeners();
        return Optional.ofNullable(result);
    }

    /** Removes {@code namespace/name}; false when no such workload is registered. */
    public boolean deregister(String namespace, String name) {
        Instant now = clock.instant();
        boolean removed;
        boolean expiredRemoved;
        synchronized (lock) {
            expiredRemoved = removeExpired(now);
            removed = remove(namespace + "/" + name);
        }
        if (removed || expiredRemoved) notifyListeners();
        return removed;
    }

    public Optional<RegisteredWorkload> get(String namespace, String name) {
        Instant now = clock.instant();
        synchronized (lock) {
            Entry e = entries.get(namespace + "/" + name);
            return e == null || expired(e, now) ? Optional.empty() : Optional.of(view(e));
        }
    }

    /** Every live registered workload, healthy or not, by namespace then name. */
    public List<RegisteredWorkload> list() {
        Instant now = clock.instant();
        List<RegisteredWorkload> out = new ArrayList<>();
        synchronized (lock) {
            for (Entry e : entries.values()) {
                if (!expired(e, now)) out.add(view(e));
            }
        }
        out.sort(Comparator.comparing(RegisteredWorkload::namespace).thenComparing(RegisteredWorkload::name));
        return out;
    }

    /**
     * Each live, healthy registered workload as a WorkloadEntry resource, by namespace then name:
     * what the translator merges with the WorkloadEntries read from YAML. The origin names
     * {@value #ORIGIN} and carries a fingerprint of the registration, so that snapshot versions
     * change exactly when a registration does.
     */
    public List<Resource<WorkloadEntry>> asWorkloadEntries() {
        List<Resource<WorkloadEntry>> out = new ArrayList<>();
        for (RegisteredWorkload w : list()) {
            if (w.healthy()) out.add(toResource(w.registration()));
        }
        return out;
    }

    /**
     * {@code declared} with the healthy registered workloads added after its own resources. A
     * WorkloadEntry declared in configuration wins over a registered workload of the same
     * namespace and name: what an operator wrote is not overridden by a system's registration.
     */
    public ConfigSet mergeInto(ConfigSet declared) {
        Set<String> taken = new HashSet<>();
        for (Resource<?> r : declared.all(Kind.WORKLOAD_ENTRY)) taken.add(r.namespace() + "/" + r.name());
        List<Resource<?>> all = new ArrayList<>(declared.resources());
        for (Resource<WorkloadEntry> r : asWorkloadEntries()) {
            if (taken.contains(r.namespace() + "/" + r.name())) {
                LOG.log(System.Logger.Level.DEBUG, "registered workload {0}/{1} is shadowed by a declared WorkloadEntry",
                        r.namespace(), r.name());
            } else {
                all.add(r);
            }
        }
        return new ConfigSet(all);
    }

    /** Removes every workload whose lease has run out; the sweeper calls this every interval. */
    public void sweep() {
        boolean removed;
        synchronized (lock) {
            removed = removeExpired(clock.instant());
        }
        if (removed) notifyListeners();
    }

    /** The key under which {@code namespace/name}'s probe is watched in the {@link HealthChecker}. */
    public static String healthKey(String namespace, String name) {
        return healthKey(namespace + "/" + name);
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        health.removeListener(healthListener);
        synchronized (lock) {
            for (String key : entries.keySet()) health.unwatch(healthKey(key));
            entries.clear();
        }
    }

    // ---- inside ----

    private void sweepSafely() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "registry sweep failed", e);
        }
    }

    private void onHealthChanged(String key, boolean healthy) {
        if (!key.startsWith(HEALTH_KEY_PREFIX)) return;
        boolean ours;
        synchronized (lock) {
            ours = entries.containsKey(key.substring(HEALTH_KEY_PREFIX.length()));
        }
        if (ours) notifyListeners();
    }

    // requires lock
    private boolean removeExpired(Instant now) {
        List<String> gone = new ArrayList<>();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (expired(e.getValue(), now)) gone.add(e.getKey());
        }
        for (String key : gone) {
            LOG.log(System.Logger.Level.INFO, "registered workload {0} expired: no heartbeat within its ttl", key);
            remove(key);
        }
        return !gone.isEmpty();
    }

    // requires lock
    private boolean remove(String key) {
        Entry e = entries.remove(key);
        if (e == null) return false;
        if (e.registration().probe() != null) health.unwatch(healthKey(key));
        return true;
    }

    private static boolean expired(Entry e, Instant now) {
        return !now.isBefore(e.expiresAt());
    }

    // requires lock (reads the health checker, which has its own)
    private RegisteredWorkload view(Entry e) {
        Registration r = e.registration();
        boolean healthy = true;
        String lastError = null;
        if (r.probe() != null) {
            var status = health.status(healthKey(r.key()));
            if (status.isPresent()) {
                healthy = status.get().healthy();
                lastError = status.get().lastError();
            }
        }
        return new RegisteredWorkload(r, e.registeredAt(), e.expiresAt(), healthy, lastError);
    }

    private void notifyListeners() {
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a registry listener failed", e);
            }
        }
    }

    private static String healthKey(String key) {
        return HEALTH_KEY_PREFIX + key;
    }

    static Resource<WorkloadEntry> toResource(Registration r) {
        ObjectMeta meta = new ObjectMeta(r.name(), r.namespace(), Map.of(), Map.of(), null, null, null, null,
                null, null, null, List.of(), List.of(), List.of(), null);
        WorkloadEntry spec = new WorkloadEntry(r.address(), r.ports(), r.labels(), null, null, r.weight(), r.serviceAccount());
        // the fingerprint covers the spec only: a new ttl or probe alone changes no snapshot version
        Origin origin = new Origin(ORIGIN, 0, 0, new Positions(ORIGIN), hash(r.key() + "=" + spec));
        return new Resource<>(Kind.WORKLOAD_ENTRY, Kind.WORKLOAD_ENTRY.preferredApiVersion(), meta, spec, origin);
    }

    /** A short hash of everything a registration says, in a fixed order. */
    private static String fingerprint(Registration r) {
        Map<String, Object> fields = new TreeMap<>();
        fields.put("address", r.address());
        fields.put("labels", r.labels());
        fields.put("ports", r.ports());
        fields.put("probe", r.probe());
        fields.put("serviceAccount", r.serviceAccount());
        fields.put("ttl", r.ttl());
        fields.put("weight", r.weight());
        return hash(r.key() + "=" + fields);
    }

    // ports and labels are sorted maps (see Registration), so equal content gives equal text
    private static String hash(String text) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(text.getBytes(StandardCharsets.UTF_8));
            return "registry-" + HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
