package dev.ficus.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a directory of YAML as users keep it holds besides Istio resources. */
class ConfigLoaderDirectoryTest {

    @Test
    void kustomizesOwnFileInADirectoryIsSkippedWithAWarning(@TempDir Path dir) throws Exception {
        // a kustomize directory refused as a whole: 'missing apiVersion and kind' for kustomization.yaml
        Files.writeString(dir.resolve("a.yaml"), ConfigLoaderCacheTest.se("a"));
        Files.writeString(dir.resolve("kustomization.yaml"), "resources:\n- a.yaml\n");
        Files.createDirectories(dir.resolve("overlay"));
        Files.writeString(dir.resolve("overlay/kustomization.yml"), "resources:\n- ../a.yaml\n");
        ConfigLoader.Result r = ConfigLoader.load(List.of(dir.toString()), InputStream.nullInputStream());
        assertThat(r.hasErrors()).as(r.diagnostics().toString()).isFalse();
        assertThat(r.config().size()).isEqualTo(1);
        assertThat(r.diagnostics()).filteredOn(d -> d.file().endsWith("kustomization.yaml") || d.file().endsWith("kustomization.yml"))
                .hasSize(2).allMatch(d -> !d.isError() && d.format().contains("kustomize"));
    }

    @Test
    void aFileWithoutApiVersionAndKindIsStillAnError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("routes.yaml"), "resources:\n- a.yaml\n");
        assertThat(ConfigLoader.load(List.of(dir.toString()), InputStream.nullInputStream()).hasErrors()).isTrue();
    }
}
