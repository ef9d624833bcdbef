package dev.ficus.xds.translate;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cached translation is the full translation: a seeded mesh (services in three namespaces,
 * DestinationRules with subsets, some for one workload only; VirtualServices with weights, header,
 * source-label and source-namespace matches, mirrors, destinations that do not exist; services
 * that share an address, so that virtual hosts lose domains to earlier ones; a Sidecar
 * that narrows one namespace's egress; a parallel-run Rollout) goes through random sequences of
 * changes, read from a directory as the control plane reads it, and after each one every identity's
 * cached translation is compared with a translation without the cache, resource by resource.
 */
class IncrementalTranslationTest {
    static final List<ProxyIdentity> IDENTITIES = RandomMesh.IDENTITIES;

    @TempDir
    Path dir;

    @Test
    void randomChangesTranslateAsAFullTranslationDoes() throws IOException {
        for (long seed = 1; seed <= 6; seed++) {
            RandomMesh mesh = new RandomMesh(new Random(seed));
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            mesh.writeAll(dir);
            ConfigLoader.Cache parse = new ConfigLoader.Cache();
            TranslationCache cache = new TranslationCache();
            for (int step = 0; step < 25; step++) {
                String change = step == 0 ? "initial" : mesh.change(dir);
                ConfigSet config = load(parse);
                for (ProxyIdentity who : IDENTITIES) {
                    Translation full = Translator.translate(config, who, TranslateOptions.DEFAULTS);
                    Translation cached = Translator.translate(config, who, TranslateOptions.DEFAULTS, cache);
                    compare("seed " + seed + ", step " + step + " (" + change + "), " + who.name(), cached, full);
                }
            }
        }
    }

    @Test
    void aVirtualServiceChangeTranslatesOnlyItsServiceAgain() throws IOException {
        RandomMesh mesh = new RandomMesh(new Random(7));
        mesh.writeAll(dir);
        ConfigLoader.Cache parse = new ConfigLoader.Cache();
        TranslationCache cache = new TranslationCache();
        ConfigSet config = load(parse);
        for (ProxyIdentity who : IDENTITIES) Translator.translate(config, who, TranslateOptions.DEFAULTS, cache);
        long computed = cache.computed();
        for (ProxyIdentity who : IDENTITIES) Translator.translate(config, who, TranslateOptions.DEFAULTS, cache);
        assertThat(cache.computed()).as("the same config again: every piece reused").isEqualTo(computed);

        int svc = mesh.withVirtualService();
        mesh.rewriteVirtualService(dir, svc);
        ConfigSet next = load(parse);
        for (ProxyIdentity who : IDENTITIES) {
            Translation cached = Translator.translate(next, who, TranslateOptions.DEFAULTS, cache);
            compare("after editing the VirtualService of svc-" + svc + ", " + who.name(), cached, Translator.translate(next, who, TranslateOptions.DEFAULTS));
        }
        // each identity translates that one service again, at most (identities may share a variant)
        assertThat(cache.computed() - computed).isBetween(1L, (long) IDENTITIES.size());
    }

    private ConfigSet load(ConfigLoader.Cache parse) {
        ConfigLoader.Result r = Validator.loadAndValidate(List.of(dir.toString()), InputStream.nullInputStream(), parse);
        assertThat(r.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)).isEmpty();
        return Validator.effective(r.config());
    }

    /** Resource by resource, so that a difference names the resource; then the notes, then the whole. */
    private static void compare(String when, Translation cached, Translation full) {
        ProxySnapshot c = cached.snapshot(), f = full.snapshot();
        assertThat(c.version()).as(when + ": version").isEqualTo(f.version());
        assertThat(c.clusters().keySet()).as(when + ": cluster names").isEqualTo(f.clusters().keySet());
        for (ClusterConfig cl : f.clusters().values()) assertThat(c.clusters().get(cl.name())).as(when + ": cluster " + cl.name()).isEqualTo(cl);
        assertThat(c.routeTables().keySet()).as(when + ": route table names").isEqualTo(f.routeTables().keySet());
        for (RouteTable t : f.routeTables().values()) {
            RouteTable ct = c.routeTables().get(t.name());
            assertThat(ct.virtualHosts().stream().map(VirtualHost::name).toList()).as(when + ": virtual hosts of " + t.name())
                    .isEqualTo(t.virtualHosts().stream().map(VirtualHost::name).toList());
            for (int i = 0; i < t.virtualHosts().size(); i++) {
                assertThat(ct.virtualHosts().get(i)).as(when + ": virtual host " + t.virtualHosts().get(i).name()).isEqualTo(t.virtualHosts().get(i));
            }
            assertThat(ct).as(when + ": route table " + t.name()).isEqualTo(t);
        }
        assertThat(c.listeners().stream().map(ListenerConfig::name).toList()).as(when + ": listeners")
                .isEqualTo(f.listeners().stream().map(ListenerConfig::name).toList());
        assertThat(c.listeners()).as(when + ": listeners").isEqualTo(f.listeners());
        assertThat(cached.notes()).as(when + ": notes").isEqualTo(full.notes());
        assertThat(cached).as(when).isEqualTo(full);
    }
}
