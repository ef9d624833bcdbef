package dev.ficus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ficus bench mesh --profile FILE} and {@code --print-profile}: the built-in profile lists
 * every setting; a profile's values are checked as if typed and reported with FILE:LINE; the
 * command line wins over the file. (Nothing here starts a benchmark: each case stops at a check.)
 */
class BenchMeshProfileTest {
    record Run(int code, String out, String err) {}

    static Run bench(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        all[0] = "bench";
        all[1] = "mesh";
        System.arraycopy(args, 0, all, 2, args.length);
        int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void theBuiltInProfileListsEverySettingWithItsDefault() {
        Run r = bench("--print-profile");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("\nrate: 2000\n", "\nconnections: 16\n", "\nrounds: 3\n", "\nmax-duration: 5s\n", "\n# scenarios:\n", "\npin: false\n")
                .doesNotContain("smp:").doesNotContain("profile:").doesNotContain("fortio:");
    }

    @Test
    void theBuiltInProfileReadBackIsAccepted(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("default.yaml");
        Files.writeString(f, bench("--print-profile").out().replace("\nrounds: 3\n", "\nrounds: x\n")); // stop at a check, after every other line was applied
        Run r = bench("--profile", f.toString(), "--ficus", "/bin/true");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(f + ":").contains("--rounds: expected a whole number, got 'x'");
    }

    @Test
    void aBadValueNamesTheProfileLineAndTheCommandLineWins(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.yaml");
        Files.writeString(f, "# release check\nrate: lots\nrounds: many\n");
        Run r = bench("--profile", f.toString(), "--ficus", "/bin/true");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(f + ":2: --rate: expected a number, got 'lots'");
        Run overridden = bench("--profile", f.toString(), "--ficus", "/bin/true", "--rate", "500");
        assertThat(overridden.code()).isEqualTo(2);
        assertThat(overridden.err()).contains(f + ":3: --rounds: expected a whole number, got 'many'").doesNotContain("lots");
    }

    @Test
    void unknownKeysAndMalformedFilesAreRefusedWithTheirLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.yaml");
        Files.writeString(f, "rate: 100\nrat: 200\n");
        Run r = bench("--profile", f.toString(), "--ficus", "/bin/true");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(f + ":2: unknown key 'rat'; a profile sets: ").contains("rate");
        Files.writeString(f, "smp: out.json\n");
        assertThat(bench("--profile", f.toString(), "--ficus", "/bin/true").err()).contains(f + ":1: unknown key 'smp'");
        Files.writeString(f, "pin: maybe\n");
        assertThat(bench("--profile", f.toString(), "--ficus", "/bin/true").err()).contains(f + ":1: pin: true or false, got 'maybe'");
        Files.writeString(f, "rate: [1\n");
        assertThat(bench("--profile", f.toString(), "--ficus", "/bin/true").err()).contains(f + ":").contains("YAML syntax");
    }
}
