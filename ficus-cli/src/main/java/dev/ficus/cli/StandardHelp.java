package dev.ficus.cli;

import picocli.CommandLine.Option;

/**
 * {@code -h/--help} and {@code -V/--version} for every command, as picocli's
 * {@code mixinStandardHelpOptions} gives them. That attribute makes picocli build the options with
 * its own factory, whose set-up looks for Groovy across the whole class path on every start;
 * this mixin is made by {@link Main.Factory}.
 */
final class StandardHelp {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print version information and exit.")
    boolean version;
}
