package dev.ficus.cli;

import dev.ficus.bench.control.ControlBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ficus bench control}: the control plane at scale, in one JVM. Generates a mesh, runs the
 * real control plane on it and a crowd of simulated proxies on its sync stream, and checks the
 * bounds: a VirtualService edit reaches every proxy with p99 within a second, and an endpoint move
 * sends each proxy that one cluster and nothing else. Run it with {@code FICUS_JAVA_OPTS=-Xmx1g} to
 * hold it to a 1 GiB heap as well.
 */
@Command(name = "control", sortOptions = false,
        description = {
                "Run the control plane in-process on a generated mesh with simulated proxies; time how long a",
                "VirtualService edit takes to reach every proxy (file write to push arrival), check that an",
                "endpoint move pushes one cluster only, and report the heap after a full GC.",
                "The simulated proxies share the JVM with the control plane, so FICUS_JAVA_OPTS=-Xmx1g bounds both."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every bound held", "1:a bound failed (named on the last line)", "2:usage error"})
final class BenchControlCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    @Option(names = "--proxies", paramLabel = "N", defaultValue = "1000", description = "Simulated proxies. Default: ${DEFAULT-VALUE}.")
    int proxies;

    @Option(names = "--services", paramLabel = "N", defaultValue = "5000", description = "Generated services (ServiceEntries). Default: ${DEFAULT-VALUE}.")
    int services;

    @Option(names = "--identities", paramLabel = "N", defaultValue = "10",
            description = "Distinct workloads the proxies identify as; proxies of one identity share a translation. Default: ${DEFAULT-VALUE}.")
    int identities;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5", description = "VirtualService edits to time. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ControlBench.Config config;
        try {
            config = ControlBench.Config.defaults().with(proxies, services, identities, rounds);
        } catch (IllegalArgumentException e) {
            err.println("ficus bench control: " + e.getMessage());
            err.flush();
            return Main.EXIT_USAGE;
        }
        ControlBench.Result result = new ControlBench(config, m -> {
            err.println("ficus bench control: " + m);
            err.flush();
        }).run();
        out.print(result.text());
        out.flush();
        if (json != null) Files.writeString(json, result.json() + "\n", StandardCharsets.UTF_8);
        return result.passed() ? 0 : 1;
    }
}
