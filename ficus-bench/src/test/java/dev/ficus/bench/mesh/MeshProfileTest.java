package dev.ficus.bench.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a bench profile: entries with their lines, and every malformed file refused with FILE:LINE. */
class MeshProfileTest {
    @TempDir
    Path dir;

    Path file(String text) throws Exception {
        Path f = dir.resolve("profile.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void keysValuesListsAndLines() throws Exception {
        MeshProfile p = MeshProfile.load(file("""
                # what we re-run before every release
                rate: 3000
                max-duration: 5s

                scenarios: [direct, ficus-1hop]
                pin: true
                """));
        assertThat(p.entries()).containsExactly(
                new MeshProfile.Entry("rate", "3000", 2),
                new MeshProfile.Entry("max-duration", "5s", 3),
                new MeshProfile.Entry("scenarios", "direct,ficus-1hop", 5),
                new MeshProfile.Entry("pin", "true", 6));
    }

    @Test
    void anEmptyFileIsAnEmptyProfile() throws Exception {
        assertThat(MeshProfile.load(file("# nothing yet\n")).entries()).isEmpty();
    }

    @Test
    void malformedProfilesAreRefusedWithTheirLine() throws Exception {
        assertThatThrownBy(() -> MeshProfile.load(file("rate: 1\nrate: 2\n"))).hasMessageEndingWith("profile.yaml:2: 'rate' is given twice (first at line 1)");
        assertThatThrownBy(() -> MeshProfile.load(file("rate: 1\nscenarios: {a: b}\n"))).hasMessageEndingWith("profile.yaml:2: scenarios: a value or a list of values, not a mapping");
        assertThatThrownBy(() -> MeshProfile.load(file("- rate\n"))).hasMessageContaining("profile.yaml:1: a profile is a mapping");
        assertThatThrownBy(() -> MeshProfile.load(file("rate: [1\nx: 2\n"))).hasMessageContaining("profile.yaml:").hasMessageContaining("YAML syntax");
        assertThatThrownBy(() -> MeshProfile.load(file("rate: 1\n---\nrate: 2\n"))).hasMessageEndingWith("profile.yaml:3: a profile is one YAML document");
        assertThatThrownBy(() -> MeshProfile.load(dir.resolve("missing.yaml"))).hasMessageContaining("missing.yaml: cannot read the profile");
    }
}
