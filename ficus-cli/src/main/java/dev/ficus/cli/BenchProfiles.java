package dev.ficus.cli;

import dev.ficus.bench.mesh.MeshProfile;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A bench profile applied to a command's options: each {@code key: value} of the file sets the
 * option {@code --key}, unless the command line gave that option too (the command line wins). The
 * values are then checked by the command as if typed, and a bad one is reported with the
 * profile's {@code FILE:LINE}.
 */
final class BenchProfiles {
    /** Options a profile does not set: where output goes, and the profile itself. */
    static final Set<String> NOT_IN_PROFILES = Set.of("--help", "--version", "--profile", "--print-profile", "--smp", "--json", "--html", "--fortio", "--ficus");

    private BenchProfiles() {}

    /** Applies {@code profile} to {@code spec}'s options; returns option name → the profile line that set it. */
    static Map<String, String> apply(CommandSpec spec, MeshProfile profile) {
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        Map<String, String> from = new LinkedHashMap<>();
        for (MeshProfile.Entry e : profile.entries()) {
            String name = "--" + e.key();
            OptionSpec o = spec.findOption(name);
            if (o == null || NOT_IN_PROFILES.contains(o.longestName())) {
                throw new IllegalArgumentException(where(profile, e) + "unknown key '" + e.key() + "'; a profile sets: " + keys(spec));
            }
            if (given != null && given.hasMatchedOption(o)) continue; // the command line wins
            if (o.typeInfo().isMultiValue()) {
                o.setValue(new ArrayList<>(Arrays.asList(e.value().split(","))));
            } else if (o.type() == boolean.class || o.type() == Boolean.class) {
                String v = e.value().toLowerCase(Locale.ROOT);
                if (!v.equals("true") && !v.equals("false")) throw new IllegalArgumentException(where(profile, e) + e.key() + ": true or false, got '" + e.value() + "'");
                o.setValue(Boolean.parseBoolean(v));
            } else if (o.type() == String.class) {
                o.setValue(e.value());
            } else {
                throw new IllegalArgumentException(where(profile, e) + e.key() + ": cannot be set from a profile");
            }
            from.put(o.longestName(), where(profile, e));
        }
        return from;
    }

    /** {@code message} with the profile position of the option it names first, when a profile set that option. */
    static String locate(String message, Map<String, String> from) {
        String first = null;
        int at = Integer.MAX_VALUE;
        for (String option : from.keySet()) {
            int i = message.indexOf(option);
            if (i >= 0 && i < at) {
                at = i;
                first = option;
            }
        }
        return first == null ? message : from.get(first) + message;
    }

    /** The built-in profile: every option a profile may set, with its default, as YAML. */
    static String defaults(CommandSpec spec, String title) {
        StringBuilder b = new StringBuilder("# ").append(title).append('\n');
        b.append("# every key is an option of the command without its dashes; the command line overrides the file\n");
        for (OptionSpec o : spec.options()) {
            if (NOT_IN_PROFILES.contains(o.longestName()) || o.longestName().startsWith("-") && !o.longestName().startsWith("--")) continue;
            String key = o.longestName().substring(2);
            String description = String.join(" ", o.description()).replace("${DEFAULT-VALUE}", String.valueOf(o.defaultValue()));
            b.append("# ").append(description).append('\n');
            String value = o.defaultValue();
            if (value == null && (o.type() == boolean.class || o.type() == Boolean.class)) value = "false";
            if (value == null) {
                b.append("# ").append(key).append(":\n");
            } else {
                b.append(key).append(": ").append(value).append('\n');
            }
        }
        return b.toString();
    }

    private static String where(MeshProfile p, MeshProfile.Entry e) {
        return p.file() + ":" + e.line() + ": ";
    }

    private static String keys(CommandSpec spec) {
        return spec.options().stream().map(OptionSpec::longestName)
                .filter(n -> n.startsWith("--") && !NOT_IN_PROFILES.contains(n)).map(n -> n.substring(2)).collect(Collectors.joining(", "));
    }
}
