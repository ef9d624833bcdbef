package dev.ficus.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command's {@code --help} renders cleanly: picocli formats descriptions with
 * {@code String.format}, so a stray {@code %} prints a warning on stderr instead of the text,
 * and a version provider set in code must still answer {@code --version}.
 */
class HelpTextTest {

    @Test
    void everyCommandsHelpRendersWithoutWarnings() {
        CommandLine root = new CommandLine(new Main(), new Main.Factory());
        Main.SUBCOMMANDS.forEach(root::addSubcommand);
        List<CommandLine> all = new ArrayList<>();
        collect(root, all);
        assertThat(all).hasSizeGreaterThan(Main.SUBCOMMANDS.size()); // nested ones too (bench run, rollout status, ...)

        PrintStream stderr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        List<String> problems = new ArrayList<>();
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            for (CommandLine c : all) {
                StringWriter text = new StringWriter();
                c.usage(new PrintWriter(text));
                String name = c.getCommandSpec().qualifiedName();
                boolean helpCommand = c.getCommandSpec().helpCommand(); // picocli's own `help`: a description first
                if (!helpCommand && !text.toString().startsWith("Usage: " + name)) problems.add(name + ": no usage line");
                if (text.toString().contains("%n")) problems.add(name + ": unformatted description (%n left in)");
            }
        } finally {
            System.setErr(stderr);
        }
        assertThat(problems).isEmpty();
        assertThat(warnings.toString(StandardCharsets.UTF_8)).as("picocli warnings while rendering help").isEmpty();
    }

    @Test
    void versionComesFromTheProviderSetInCode() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"--version"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).isZero();
        assertThat(out.toString()).startsWith("ficus ").contains("java ");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void theFactoryMakesOptionCollectionsAndPrivateClasses() throws Exception {
        Main.Factory f = new Main.Factory();
        assertThat((Object) f.create(java.util.List.class)).isInstanceOf(java.util.ArrayList.class);
        assertThat((Object) f.create(java.util.Map.class)).isInstanceOf(java.util.LinkedHashMap.class);
        assertThat((Object) f.create(java.util.SortedMap.class)).isInstanceOf(java.util.TreeMap.class);
        assertThat((Object) f.create(java.util.Set.class)).isInstanceOf(java.util.LinkedHashSet.class);
        assertThat(f.create(ProxyCommand.DurationConverter.class).convert("250ms")).isEqualTo(java.time.Duration.ofMillis(250));
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        c.getSubcommands().values().stream().distinct().forEach(sub -> {
            if (!into.contains(sub)) collect(sub, into);
        });
    }
}
