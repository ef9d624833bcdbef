package dev.ficus.cli;

import picocli.CommandLine.Option;

/** {@code --control HOST:PORT}: the control plane's HTTP address, for the commands that ask it (a picocli mixin). */
final class ControlAddress {
    @Option(names = "--control", defaultValue = "127.0.0.1:15014", paramLabel = "HOST:PORT",
            description = "The control plane's HTTP address. Default ${DEFAULT-VALUE}.")
    String control;
}
