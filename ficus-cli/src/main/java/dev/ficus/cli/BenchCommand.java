package dev.ficus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ficus bench}: measure what the mesh costs; {@code run} is the load generator on its own. */
@Command(name = "bench", description = "Measure latency and throughput of an HTTP target (and, later, of each mesh step).",
        subcommands = {BenchRunCommand.class, BenchMeshCommand.class, BenchControlCommand.class, BenchCompareCommand.class, BenchHandshakesCommand.class,
                CommandLine.HelpCommand.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
