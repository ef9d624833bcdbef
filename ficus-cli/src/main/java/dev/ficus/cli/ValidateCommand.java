package dev.ficus.cli;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ficus validate PATH...}: every problem of every file in one run, one line each, as
 * {@code file:line:column: error|warning: Kind/name field.path: message}. Exit 1 on any error.
 */
@Command(name = "validate", description = {
                "Check Istio YAML files the way ficus will read them: every problem, one line each.",
                "PATH is a file, a directory (read recursively: *.yaml, *.yml, *.json) or - for standard input."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no errors (warnings may be printed)", "1:at least one error", "2:usage error"})
final class ValidateCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    enum Output { text, json }

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files, directories, or - for stdin.")
    List<String> paths;

    @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
            description = "text (default) or json (one object with a diagnostics array, for tools).")
    Output output;

    @Option(names = {"-q", "--quiet"}, description = "Print errors only, no warnings and no summary.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ConfigLoader.Result result = Validator.loadAndValidate(paths, System.in);
        List<Diagnostic> shown = result.diagnostics().stream().filter(d -> !quiet || d.isError()).toList();
        PrintWriter out = spec.commandLine().getOut();
        long errors = result.diagnostics().stream().filter(Diagnostic::isError).count();
        long warnings = result.diagnostics().size() - errors;
        if (output == Output.json) {
            out.println(Json.diagnostics(shown, result.config().size(), errors, warnings));
        } else {
            shown.forEach(d -> out.println(d.format()));
            if (!quiet) {
                spec.commandLine().getErr().println(summary(result.config().size(), errors, warnings));
            }
        }
        out.flush();
        return errors > 0 ? 1 : 0;
    }

    private static String summary(int resources, long errors, long warnings) {
        return resources + " resource" + (resources == 1 ? "" : "s") + ", "
                + errors + " error" + (errors == 1 ? "" : "s") + ", "
                + warnings + " warning" + (warnings == 1 ? "" : "s");
    }
}
