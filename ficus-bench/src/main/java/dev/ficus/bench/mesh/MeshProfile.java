package dev.ficus.bench.mesh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * A {@code ficus bench mesh --profile FILE}: the benchmark's settings kept in a file, so that a
 * team re-runs the same measurement. The file is one YAML mapping whose keys are the command's
 * options without their dashes ({@code rate: 2000}, {@code max-duration: 5s},
 * {@code scenarios: [direct, ficus-1hop]}); a list becomes the option's comma-separated value.
 * What each value means, and whether it is valid, is the command's business: this class only
 * reads the file and keeps each entry's line, so that an error names {@code FILE:LINE}.
 */
public record MeshProfile(Path file, List<Entry> entries) {

    /** One {@code key: value} of the file, at its line (1-based). */
    public record Entry(String key, String value, int line) {
    }

    /** A profile that cannot be read; the message starts with {@code FILE:LINE:} where there is one. */
    public static final class ProfileException extends Exception {
        public ProfileException(String message) { super(message); }
    }

    public MeshProfile {
        entries = List.copyOf(entries);
    }

    /** Reads {@code file}; a YAML error, a non-mapping, a nested value or a repeated key is refused with its position. */
    public static MeshProfile load(Path file) throws ProfileException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ProfileException(file + ": cannot read the profile: " + e.getMessage());
        }
        LoadSettings settings = LoadSettings.builder().setLabel(file.toString()).setUseMarks(true).build();
        Node root;
        try {
            Composer composer = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text)));
            root = composer.hasNext() ? composer.next() : null;
            if (composer.hasNext()) throw new ProfileException(file + ":" + line(composer.next()) + ": a profile is one YAML document");
        } catch (MarkedYamlEngineException e) {
            int l = e.getProblemMark().map(m -> m.getLine() + 1).orElse(1);
            throw new ProfileException(file + ":" + l + ": YAML syntax: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new ProfileException(file + ": YAML syntax: " + e.getMessage());
        }
        if (root == null) return new MeshProfile(file, List.of());
        if (!(root instanceof MappingNode map)) {
            throw new ProfileException(file + ":" + line(root) + ": a profile is a mapping of option names to values, e.g. rate: 2000");
        }
        List<Entry> entries = new ArrayList<>();
        for (NodeTuple t : map.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) throw new ProfileException(file + ":" + line(t.getKeyNode()) + ": keys are option names");
            String key = k.getValue();
            for (Entry e : entries) {
                if (e.key().equals(key)) throw new ProfileException(file + ":" + line(k) + ": '" + key + "' is given twice (first at line " + e.line() + ")");
            }
            entries.add(new Entry(key, value(file, key, t.getValueNode()), line(k)));
        }
        return new MeshProfile(file, entries);
    }

    private static String value(Path file, String key, Node n) throws ProfileException {
        if (n instanceof ScalarNode s) return s.getValue();
        if (n instanceof SequenceNode seq) {
            List<String> items = new ArrayList<>();
            for (Node item : seq.getValue()) {
                if (!(item instanceof ScalarNode s)) throw new ProfileException(file + ":" + line(item) + ": " + key + ": a list of plain values");
                items.add(s.getValue());
            }
            return String.join(",", items);
        }
        throw new ProfileException(file + ":" + line(n) + ": " + key + ": a value or a list of values, not a mapping");
    }

    private static int line(Node n) {
        return n.getStartMark().map(Mark::getLine).orElse(0) + 1;
    }
}
