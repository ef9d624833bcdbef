package dev.ficus.cli;

import dev.ficus.bench.compare.BenchComparison;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ficus bench compare BASELINE CURRENT}: fails a pipeline when a benchmark got worse than allowed. */
@Command(name = "compare", sortOptions = false,
        description = {
                "Compare a benchmark result with a baseline, scenario by scenario, and exit 1 when a figure got worse",
                "than allowed. Reads 'ficus bench mesh --json' output (medians per scenario) and Fortio JSON",
                "('ficus bench run --fortio', or Fortio's own)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no regression", "1:a regression (each is explained)", "2:usage error or an unreadable file"})
final class BenchCompareCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    @Parameters(index = "0", paramLabel = "BASELINE", description = "The result to compare with.")
    Path baseline;

    @Parameters(index = "1", paramLabel = "CURRENT", description = "The result to check.")
    Path current;

    @Option(names = "--max-p99-regression", paramLabel = "PCT", defaultValue = "10%", converter = Share.class,
            description = "Allowed rise of p99 latency. Default: ${DEFAULT-VALUE}; 'off' to skip.")
    Double p99;

    @Option(names = "--max-p50-regression", paramLabel = "PCT", defaultValue = "off", converter = Share.class,
            description = "Allowed rise of p50 latency. Default: ${DEFAULT-VALUE}.")
    Double p50;

    @Option(names = "--max-throughput-regression", paramLabel = "PCT", defaultValue = "10%", converter = Share.class,
            description = "Allowed drop of max throughput. Default: ${DEFAULT-VALUE}; 'off' to skip.")
    Double throughput;

    @Option(names = "--max-cpu-regression", paramLabel = "PCT", defaultValue = "off", converter = Share.class,
            description = "Allowed rise of the proxies' CPU per 1000 requests (bench mesh). Default: ${DEFAULT-VALUE}.")
    Double cpu;

    @Option(names = "--noise-floor", paramLabel = "DURATION", defaultValue = "0ms", converter = ProxyCommand.DurationConverter.class,
            description = "Latency rises smaller than this are never regressions (e.g. 50us on a shared machine). Default: ${DEFAULT-VALUE}.")
    Duration noiseFloor;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<BenchComparison.Figures> base, cur;
        try {
            base = BenchComparison.read(baseline);
            cur = BenchComparison.read(current);
        } catch (IOException e) {
            err.println("ficus bench compare: " + (e instanceof java.nio.file.NoSuchFileException ? "no such file: " + e.getMessage() : e.getMessage()));
            err.flush();
            return Main.EXIT_USAGE;
        }
        BenchComparison.Limits limits = new BenchComparison.Limits(p50, p99, throughput, cpu, noiseFloor.toNanos() / 1000.0);
        BenchComparison.Result r = BenchComparison.compare(base, cur, limits);
        if (r.rows().isEmpty()) {
            err.println("ficus bench compare: the two results share no scenario (baseline: " + names(base) + "; current: " + names(cur) + ")");
            err.flush();
            return Main.EXIT_USAGE;
        }
        out.print(r.text(limits));
        out.flush();
        return r.regressed() ? 1 : 0;
    }

    private static String names(List<BenchComparison.Figures> f) {
        return String.join(", ", f.stream().map(BenchComparison.Figures::scenario).toList());
    }

    /** {@code 10%}, {@code 10} (percent) or {@code off}, as a share (0.10). */
    static final class Share implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            String v = value.trim();
            if (v.equalsIgnoreCase("off")) return null;
            if (v.endsWith("%")) v = v.substring(0, v.length() - 1).trim();
            try {
                double pct = Double.parseDouble(v);
                if (pct < 0 || Double.isNaN(pct) || Double.isInfinite(pct)) throw new NumberFormatException();
                return pct / 100;
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a percentage; write e.g. 10% (or off)");
            }
        }
    }
}
