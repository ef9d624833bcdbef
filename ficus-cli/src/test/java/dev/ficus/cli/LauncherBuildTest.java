package dev.ficus.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code ficus} launcher builds the distribution when sources changed, from whatever
 * directory a user runs it in: here a copy of the launcher whose {@code mvnw} only notes where it
 * ran (and fails, as Maven does, where there is no pom.xml), started from another directory.
 */
class LauncherBuildTest {
    @Test
    void theBuildRunsInTheCheckoutWhateverTheCurrentDirectory(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("checkout"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.createDirectories(root.resolve(".mvn"));
        Files.copy(FicusCommandIT.ROOT.resolve("ficus"), root.resolve("ficus"));
        Files.copy(FicusCommandIT.ROOT.resolve(".mvn/jdk.sh"), root.resolve(".mvn/jdk.sh"));
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Files.writeString(root.resolve("mvnw"), """
                #!/bin/sh
                pwd > "$(dirname "$0")/mvnw.ran-in"
                [ -f pom.xml ] || { echo "Could not find the selected project in the reactor: ficus-cli"; exit 1; }
                exit 1
                """);
        Files.setPosixFilePermissions(root.resolve("mvnw"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("ficus"), PosixFilePermissions.fromString("rwxr-xr-x"));

        Process p = new ProcessBuilder(root.resolve("ficus").toString(), "version").directory(elsewhere.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(root.resolve("mvnw.ran-in")).as("the launcher ran its build; output:\n" + out).exists();
        assertThat(Path.of(Files.readString(root.resolve("mvnw.ran-in")).strip()).toRealPath()).isEqualTo(root.toRealPath());
        assertThat(out).doesNotContain("Could not find the selected project");
    }
}
