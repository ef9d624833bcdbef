package dev.ficus.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives the real {@code ./ficus} launcher as a user would, from the repository root, after the
 * distribution is built (failsafe runs this after {@code package}).
 */
class FicusCommandIT {
    static final Path ROOT = Path.of(System.getProperty("ficus.root", "..")).toAbsolutePath().normalize();

    record Run(int exit, String out, String err) {
    }

    static Run ficus(Map<String, String> env, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("ficus").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile("ficus-out", ".txt");
        Path err = Files.createTempFile("ficus-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("ficus finished").isTrue();
        Run run = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        // Whatever the input, a user never sees a stack trace.
        assertThat(run.out + run.err).doesNotContain("\tat ").doesNotContain("Exception");
        return run;
    }

    static Run ficus(String... args) throws IOException, InterruptedException {
        return ficus(Map.of(), null, args);
    }

    @Test
    void versionAndHelp() throws Exception {
        Run v = ficus("--version");
        assertThat(v.exit).isZero();
        assertThat(v.out).startsWith("ficus 0.1.0").contains("java 25");
        Run help = ficus("--help");
        assertThat(help.exit).isZero();
        assertThat(help.out).contains("Usage: ficus").contains("validate").contains("version");
    }

    @Test
    void theReadmeExampleValidates() throws Exception {
        Run r = ficus("validate", "examples/bookinfo");
        assertThat(r.out).doesNotContain("error:");
        assertThat(r.exit).isZero();
        assertThat(r.err).contains("0 errors");
    }

    @Test
    void brokenConfigGivesOneLinePerProblemAndExitOne(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"), """
                apiVersion: networking.istio.io/v2
                kind: WorkloadEntry
                metadata:
                  name: Bad_Name
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualServce
                metadata:
                  name: x
                """);
        Files.writeString(dir.resolve("b.yml"), "kind: [unclosed\n");
        Run r = ficus("validate", dir.toString());
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.out.lines()).containsExactly(
                dir.resolve("a.yaml") + ":1:1: error: WorkloadEntry/Bad_Name spec.address: address is required unless network is set (an endpoint reached through its network's gateway); give an IP, a DNS name or unix:///path",
                dir.resolve("a.yaml") + ":1:13: error: WorkloadEntry/Bad_Name apiVersion: apiVersion 'networking.istio.io/v2' is not accepted for WorkloadEntry; use one of networking.istio.io/v1, networking.istio.io/v1beta1, networking.istio.io/v1alpha3",
                dir.resolve("a.yaml") + ":4:3: error: WorkloadEntry/Bad_Name metadata.name: 'Bad_Name' is not a valid name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
                dir.resolve("a.yaml") + ":7:7: error: unknown Istio kind 'VirtualServce' (did you mean 'VirtualService'?); skipped",
                dir.resolve("b.yml") + ":2:1: error: YAML syntax: expected ',' or ']', but got <stream end> (while parsing a flow sequence)");
    }

    @Test
    void readsStandardInputAndWritesJson() throws Exception {
        Run r = ficus(Map.of(), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "validate", "-o", "json", "-");
        assertThat(r.exit).isZero();
        assertThat(r.out.strip()).isEqualTo("{\"resources\":0,\"errors\":0,\"warnings\":1,\"diagnostics\":[{\"file\":\"<stdin>\",\"line\":2,\"column\":7,"
                + "\"severity\":\"warning\",\"subject\":\"\",\"path\":\"\",\"message\":\"kind ConfigMap (v1) is not a kind ficus reads; skipped\"}]}");
    }

    @Test
    void missingFilesAndBinaryGarbageAreOneLineEach(@TempDir Path dir) throws Exception {
        Path garbage = dir.resolve("garbage.yaml");
        Files.write(garbage, new byte[]{(byte) 0xff, (byte) 0xfe, 0, 1, 2, '\n', (byte) 0xc3});
        Run r = ficus("validate", dir.resolve("nope.yaml").toString(), garbage.toString());
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.out.lines()).containsExactly(
                garbage + ": error: not UTF-8 text",
                dir.resolve("nope.yaml") + ": error: no such file or directory");
    }

    @Test
    void hostileYamlIsRefusedInOneLineEach(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("deep.yaml"), "a: " + "[".repeat(50_000) + "]".repeat(50_000) + "\n");
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            String prev = "*" + (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [").append(String.join(", ", java.util.Collections.nCopies(9, prev))).append("]\n");
        }
        Files.writeString(dir.resolve("bomb.yaml"), bomb);
        Run r = ficus("validate", dir.toString());
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.out.lines()).containsExactly(
                dir.resolve("bomb.yaml") + ": error: YAML syntax: Number of aliases for non-scalar nodes exceeds the specified max=50",
                dir.resolve("deep.yaml") + ": error: YAML nested too deeply to read");
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Run r = ficus("validate");
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.err).contains("Missing required parameter: 'PATH'");
        assertThat(ficus("frobnicate").exit).isEqualTo(2);
    }

    @Test
    void withoutAJdk25TheLauncherSaysWhatItNeedsInOneLine() throws Exception {
        Run r = ficus(Map.of("JAVA_HOME", "/nonexistent-jdk", "FICUS_JDK_SEARCH", "/nonexistent/*", "PATH", "/usr/bin:/bin"), null, "--version");
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.err.lines()).hasSize(1);
        assertThat(r.err).startsWith("ficus needs a JDK 25 or newer (set JAVA_HOME to one); looked in: JAVA_HOME=/nonexistent-jdk");
    }
}
