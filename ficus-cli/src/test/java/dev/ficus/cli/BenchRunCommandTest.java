package dev.ficus.cli;

import dev.ficus.testing.BenchBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ficus bench run} as a user types it (the bench command is run directly until Main lists it). */
class BenchRunCommandTest {

    record Run(int exit, String out, String err) {
    }

    static Run bench(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("run"));
        all.addAll(List.of(args));
        int exit = cli.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void aRunPrintsRateLatenciesAndErrorsAndWritesBothJsonFormats(@TempDir Path dir) throws Exception {
        try (BenchBackend backend = BenchBackend.start()) {
            Path smp = dir.resolve("smp.json");
            Path fortio = dir.resolve("fortio.json");
            Run r = bench("--url", backend.uri().toString(), "--rate", "200", "--duration", "1s",
                    "--connections", "2", "--warmup", "200ms", "--header", "x-a: 1", "--label", "scenario=direct",
                    "--smp", smp.toString(), "--fortio", fortio.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("open loop at 200/s").contains("requests/s achieved over 1s")
                    .contains("p50 ").contains("p90 ").contains("p99 ").contains("p99.9 ").contains("max ")
                    .contains("errors    0");
            assertThat(r.err()).isEmpty(); // not a terminal: no progress lines
            assertThat(Files.readString(smp)).startsWith("{\"smp_version\":").contains("\"actual_QPS\":")
                    .contains("\"scenario\":\"direct\"").contains("\"latencies_ms\":{\"min\":");
            assertThat(Files.readString(fortio)).startsWith("{\"RunType\":\"HTTP\"").contains("\"RequestedQPS\":\"200\"")
                    .contains("\"RetCodes\":{\"200\":").contains("\"Labels\":\"scenario=direct\"");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--rate|abc|--rate: expected a positive number of requests per second or max, got 'abc'",
            "--rate|0|--rate: must be more than 0 or max, got 0",
            "--duration|5|--duration: invalid duration '5'",
            "--connections|0|--connections: expected a whole number from 1 to 10000, got '0'",
            "--header|novalue|--header: expected NAME:VALUE, got 'novalue'",
            "--url|https://127.0.0.1/|--url: http1 needs http://HOST[:PORT]/PATH, got https://127.0.0.1/",
            "--label|x|--label: expected KEY=VALUE, got 'x'",
    })
    void aBadValueGivesOneLineAndExitTwo(String option, String value, String message) {
        List<String> args = new ArrayList<>(List.of("--url", "http://127.0.0.1:9/", "--duration", "1s"));
        int i = args.indexOf(option);
        if (i >= 0) args.set(i + 1, value);
        else args.addAll(List.of(option, value));
        Run r = bench(args.toArray(String[]::new));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("ficus bench run: " + message).hasLineCount(1);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void theUrlIsRequired() {
        Run r = bench("--rate", "10");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("ficus bench run: --url is required, e.g. --url http://127.0.0.1:8080/ or --url tcp://127.0.0.1:9000"
                + System.lineSeparator());
    }

    @Test
    void noResponseAtAllExitsOne() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = bench("--url", "http://127.0.0.1:" + port + "/", "--rate", "10", "--duration", "500ms");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("connect ");
    }
}
