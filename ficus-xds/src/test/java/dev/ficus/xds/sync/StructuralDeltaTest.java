package dev.ficus.xds.sync;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.translate.ProxyIdentity;
import dev.ficus.xds.translate.RandomMesh;
import dev.ficus.xds.translate.TranslateOptions;
import dev.ficus.xds.translate.TranslationCache;
import dev.ficus.xds.translate.Translator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The structural delta ({@link SnapshotResources.Encoder#diff}, what the sync server sends a proxy
 * that holds a snapshot it pushed) is the full delta ({@link Delta#of} over every resource of both
 * snapshots), whatever the change: over random change sequences of a translated mesh (with the
 * translation cache, which shares unchanged objects, and without, which shares none), and over
 * random edits of snapshots built by hand that reach the corners a translator seldom does
 * (virtual hosts moved, renamed, sharing a name; tables and listeners added, removed, reordered;
 * equal objects that are not the same; table names with '#').
 */
class StructuralDeltaTest {

    @TempDir
    Path dir;

    /** Each snapshot's resources, encoded on their own (by a new encoder each): what the deltas are held to. */
    final Map<ProxySnapshot, Map<ResourceKey, WireResource>> splits = new java.util.IdentityHashMap<>();

    Map<ResourceKey, WireResource> split(ProxySnapshot s) {
        return splits.computeIfAbsent(s, SnapshotResources::split);
    }

    /** The delta computed from scratch: every resource of both snapshots. */
    Delta full(ProxySnapshot from, ProxySnapshot to) {
        Map<ResourceKey, String> held = new HashMap<>();
        split(from).forEach((k, w) -> held.put(k, w.hash()));
        return Delta.of(held, split(to));
    }

    void same(String when, SnapshotResources.Encoder encoder, ProxySnapshot from, ProxySnapshot to) {
        Delta expected = full(from, to);
        Delta actual = encoder.diff(from, to);
        assertThat(actual.changed()).as(when + ": changed").isEqualTo(expected.changed());
        assertThat(actual.removed()).as(when + ": removed").isEqualTo(expected.removed());
        assertThat(actual.json()).as(when + ": the push's bytes").isEqualTo(expected.json());
    }

    @Test
    void randomMeshChangesDiffAsTheFullDeltaDoes() throws IOException {
        List<ProxyIdentity> identities = RandomMesh.IDENTITIES;
        for (long seed = 1; seed <= 3; seed++) {
            splits.clear();
            RandomMesh mesh = new RandomMesh(new Random(seed));
            Random pick = new Random(seed * 31);
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            mesh.writeAll(dir);
            ConfigLoader.Cache parse = new ConfigLoader.Cache();
            TranslationCache cache = new TranslationCache();
            SnapshotResources.Encoder encoder = new SnapshotResources.Encoder();
            Map<String, List<ProxySnapshot>> history = new LinkedHashMap<>();
            List<ProxySnapshot> lastFull = new ArrayList<>();
            for (int step = 0; step < 25; step++) {
                String change = step == 0 ? "initial" : mesh.change(dir);
                ConfigSet config = load(parse);
                encoder.nextRound();
                List<ProxySnapshot> now = new ArrayList<>();
                List<ProxySnapshot> nowFull = new ArrayList<>();
                for (ProxyIdentity who : identities) {
                    String when = "seed " + seed + ", step " + step + " (" + change + "), " + who.name();
                    ProxySnapshot s = Translator.translate(config, who, TranslateOptions.DEFAULTS, cache).snapshot();
                    ProxySnapshot uncached = Translator.translate(config, who, TranslateOptions.DEFAULTS).snapshot();
                    List<ProxySnapshot> past = history.computeIfAbsent(who.name(), k -> new ArrayList<>());
                    if (past.isEmpty()) encoder.split(s); // the first push: every resource
                    else {
                        same(when + ", from the previous step", encoder, past.getLast(), s);
                        same(when + ", from an earlier step", encoder, past.get(pick.nextInt(past.size())), s);
                    }
                    if (!now.isEmpty()) same(when + ", from another identity's snapshot", encoder, now.get(pick.nextInt(now.size())), s);
                    if (!lastFull.isEmpty()) {
                        same(when + ", uncached, from the previous uncached step", encoder, lastFull.get(now.size()), uncached);
                        same(when + ", from an uncached snapshot", encoder, lastFull.get(now.size()), s);
                    }
                    same(when + ", to an equal snapshot of other objects", encoder, s, uncached);
                    past.add(s);
                    now.add(s);
                    nowFull.add(uncached);
                }
                lastFull = nowFull;
            }
        }
    }

    @Test
    void aVirtualServiceEditEncodesOnlyItsVirtualHost() throws IOException {
        RandomMesh mesh = new RandomMesh(new Random(7));
        mesh.writeAll(dir);
        ConfigLoader.Cache parse = new ConfigLoader.Cache();
        TranslationCache cache = new TranslationCache();
        ProxyIdentity who = RandomMesh.IDENTITIES.getFirst();
        SnapshotResources.Encoder encoder = new SnapshotResources.Encoder();
        ProxySnapshot before = Translator.translate(load(parse), who, TranslateOptions.DEFAULTS, cache).snapshot();
        int resources = encoder.split(before).size();
        encoder.nextRound();

        int svc = mesh.withVirtualService();
        mesh.rewriteVirtualService(dir, svc);
        ProxySnapshot after = Translator.translate(load(parse), who, TranslateOptions.DEFAULTS, cache).snapshot();
        long encoded = encoder.encoded();
        Delta d = encoder.diff(before, after);

        // the service's virtual host, and the cluster its new route (no subset) asks for: nothing else
        assertThat(d.changed()).extracting(WireResource::type).containsExactly(ResourceType.VIRTUAL_HOST, ResourceType.CLUSTER);
        assertThat(d.changed()).allSatisfy(w -> assertThat(w.name()).contains("svc-" + svc + "."));
        assertThat(d.removed()).isEmpty();
        assertThat(resources).isGreaterThan(30);
        assertThat(encoder.encoded() - encoded).as("bodies encoded for the edit, of " + resources + " resources").isEqualTo(d.changed().size());
        assertThat(d).isEqualTo(full(before, after));
    }

    private ConfigSet load(ConfigLoader.Cache parse) {
        ConfigLoader.Result r = Validator.loadAndValidate(List.of(dir.toString()), InputStream.nullInputStream(), parse);
        assertThat(r.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)).isEmpty();
        return Validator.effective(r.config());
    }

    @Property(tries = 300)
    void randomSnapshotEditsDiffAsTheFullDeltaDoes(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        splits.clear();
        Random random = new Random(seed);
        Model model = new Model(random);
        SnapshotResources.Encoder encoder = new SnapshotResources.Encoder();
        List<ProxySnapshot> history = new ArrayList<>();
        history.add(model.build(0));
        encoder.split(history.getFirst());
        for (int step = 1; step <= 30; step++) {
            String edit = model.edit();
            ProxySnapshot s = model.build(step);
            String when = "seed " + seed + ", step " + step + " (" + edit + ")";
            if (random.nextInt(4) > 0) encoder.nextRound();
            same(when + ", from the previous step", encoder, history.getLast(), s);
            same(when + ", from an earlier step", encoder, history.get(random.nextInt(history.size())), s);
            history.add(s);
        }
    }

    /** A snapshot as lists of parts that random edits change, built anew where they did. */
    static final class Model {
        static final List<String> TABLE_NAMES = List.of("outbound", "inbound:8080", "a", "a#b");
        static final List<String> HOST_NAMES = List.of("x", "y", "b#c", "z", "x#2");
        final Random random;
        final List<ListenerConfig> listeners = new ArrayList<>();
        final Map<String, List<VirtualHost>> tables = new LinkedHashMap<>();
        final Map<String, ClusterConfig> clusters = new LinkedHashMap<>();
        final Map<String, RouteTable> built = new HashMap<>(); // a table not edited since it was built keeps its object
        int domains;

        Model(Random random) {
            this.random = random;
            for (int i = 0; i < 4; i++) clusters.put("c" + i, cluster("c" + i));
            tables.put("outbound", new ArrayList<>());
            for (int i = 0; i < 6; i++) tables.get("outbound").add(host());
            if (random.nextBoolean()) {
                tables.put("inbound:8080", new ArrayList<>(List.of(host())));
                listeners.add(listener("inbound:8080"));
            }
            listeners.add(listener("outbound"));
        }

        ClusterConfig cluster(String name) {
            return ClusterConfig.of(name, Endpoint.of("127.0.0." + (1 + random.nextInt(3)), 8080));
        }

        VirtualHost host() {
            return host(HOST_NAMES.get(random.nextInt(HOST_NAMES.size())), List.of("h" + domains++ + ".local"));
        }

        VirtualHost host(String name, List<String> domains) {
            List<Route> routes = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(2); i < n; i++) {
                routes.add(new Route("r" + i, random.nextBoolean() ? RouteMatch.ANY : RouteMatch.prefix("/p" + random.nextInt(3)),
                        RouteAction.Forward.to("c" + random.nextInt(4))));
            }
            return new VirtualHost(name, domains, routes);
        }

        ListenerConfig listener(String table) {
            String name = random.nextInt(5) == 0 && !listeners.isEmpty() ? listeners.getFirst().name() : "l-" + table; // now and then a name twice
            return new ListenerConfig(name, new HostPort("127.0.0.1", 15000 + random.nextInt(3)), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, table);
        }

        /** One random edit; returns what it was. */
        String edit() {
            List<String> names = new ArrayList<>(tables.keySet());
            String t = names.get(random.nextInt(names.size()));
            List<VirtualHost> hosts = tables.get(t);
            int at = hosts.isEmpty() ? 0 : random.nextInt(hosts.size());
            switch (random.nextInt(13)) {
                case 0, 1 -> {
                    if (hosts.isEmpty()) return "nothing";
                    VirtualHost was = hosts.get(at);
                    touch(t).set(at, host(was.name(), was.domains()));
                    return "host " + at + " of " + t + " rerouted";
                }
                case 2 -> {
                    if (hosts.isEmpty()) return "nothing";
                    VirtualHost was = hosts.get(at);
                    touch(t).set(at, new VirtualHost(was.name(), was.domains(), was.routes()));
                    return "host " + at + " of " + t + " an equal copy";
                }
                case 3 -> {
                    touch(t).add(random.nextInt(hosts.size() + 1), host());
                    return "host added to " + t;
                }
                case 4 -> {
                    if (hosts.isEmpty()) return "nothing";
                    touch(t).remove(at);
                    return "host " + at + " of " + t + " removed";
                }
                case 5 -> {
                    if (hosts.size() < 2) return "nothing";
                    java.util.Collections.swap(touch(t), at, random.nextInt(hosts.size()));
                    return "hosts of " + t + " swapped";
                }
                case 6 -> {
                    if (hosts.isEmpty()) return "nothing";
                    VirtualHost was = hosts.get(at);
                    touch(t).set(at, new VirtualHost(HOST_NAMES.get(random.nextInt(HOST_NAMES.size())), was.domains(), was.routes()));
                    return "host " + at + " of " + t + " renamed";
                }
                case 7 -> {
                    String n = TABLE_NAMES.get(random.nextInt(TABLE_NAMES.size()));
                    if (tables.containsKey(n)) {
                        if (tables.size() == 1) return "nothing";
                        tables.remove(n);
                        built.remove(n);
                        listeners.removeIf(l -> l.routeTable().equals(n));
                        return "table " + n + " removed";
                    }
                    tables.put(n, new ArrayList<>(List.of(host(), host())));
                    listeners.add(random.nextInt(listeners.size() + 1), listener(n));
                    return "table " + n + " added";
                }
                case 8 -> {
                    if (listeners.size() < 2) return "nothing";
                    java.util.Collections.swap(listeners, 0, listeners.size() - 1);
                    return "listeners reordered";
                }
                case 9 -> {
                    int i = random.nextInt(listeners.size() + 1);
                    if (i < listeners.size()) listeners.set(i, listener(listeners.get(i).routeTable()));
                    else listeners.add(listener(names.get(random.nextInt(names.size()))));
                    return "listener " + i + " changed or added";
                }
                case 10 -> {
                    String c = "c" + random.nextInt(6);
                    if (clusters.containsKey(c) && c.compareTo("c4") >= 0 && random.nextBoolean()) {
                        clusters.remove(c); // c4 and c5 carry no routes: they may go
                        return "cluster " + c + " removed";
                    }
                    clusters.put(c, random.nextBoolean() || !clusters.containsKey(c) ? cluster(c)
                            : ClusterConfig.of(c, clusters.get(c).endpoints().toArray(Endpoint[]::new)));
                    return "cluster " + c + " changed, copied or added";
                }
                case 11 -> {
                    built.remove(t); // the same hosts in a new table object
                    return "table " + t + " rebuilt as it was";
                }
                default -> {
                    return "nothing";
                }
            }
        }

        /** The hosts of table {@code t}, to be edited: its table object is built anew. */
        List<VirtualHost> touch(String t) {
            built.remove(t);
            return tables.get(t);
        }

        ProxySnapshot build(int step) {
            ProxySnapshot.Builder b = ProxySnapshot.builder("v" + step);
            listeners.forEach(b::listener);
            tables.forEach((name, hosts) -> b.routeTable(built.computeIfAbsent(name, n -> new RouteTable(n, hosts))));
            clusters.values().forEach(b::cluster);
            return b.build();
        }
    }
}
