package dev.ficus.api.config;

import dev.ficus.api.Kind;
import dev.ficus.api.ObjectMeta;
import dev.ficus.api.Origin;
import dev.ficus.api.Resource;
import dev.ficus.api.bind.Binder;
import dev.ficus.api.bind.Names;
import dev.ficus.api.bind.Sink;
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
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads Istio YAML from files, directories (recursively, {@code *.yaml}, {@code *.yml},
 * {@code *.json}, in name order) and standard input ({@code -}), multi-document files and
 * {@code kind: List} included, into typed {@link Resource}s. Every problem becomes a diagnostic;
 * a document with errors is still returned when its kind and name could be read, so that later
 * checks can look at it, but {@link Result#hasErrors()} tells the caller not to serve it.
 */
public final class ConfigLoader {
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final List<String> TOP_LEVEL = List.of("apiVersion", "kind", "metadata", "spec", "status");
    static final String STDIN = "-";

    /** What one load produced. */
    public record Result(ConfigSet config, List<Diagnostic> diagnostics) {
        public boolean hasErrors() {
            return diagnostics.stream().anyMatch(Diagnostic::isError);
        }
    }

    private final Diagnostics diagnostics = new Diagnostics();
    private final List<Resource<?>> resources = new ArrayList<>();
    private final InputStream stdin;
    private final Cache cache;
    private final java.util.Map<String, Cache.Entry> used = new java.util.HashMap<>();

    private ConfigLoader(InputStream stdin, Cache cache) {
        this.stdin = stdin;
        this.cache = cache;
    }

    /**
     * What a long-running reader (the control plane, a watching proxy) keeps between loads: each
     * file's bytes and what they parsed to. A file whose bytes did not change is not parsed again;
     * records are immutable, so its resources are reused as they are. Not thread-safe: one reader.
     */
    public static final class Cache {
        record Entry(byte[] bytes, List<Resource<?>> resources, List<Diagnostic> diagnostics) {
        }

        private java.util.Map<String, Entry> byFile = new java.util.HashMap<>();
    }

    /** Loads every path; {@code -} reads {@code stdin}. */
    public static Result load(List<String> paths, InputStream stdin) {
        return load(paths, stdin, null);
    }

    /** Loads every path, parsing only the files whose bytes differ from those in {@code cache} (null: none). */
    public static Result load(List<String> paths, InputStream stdin, Cache cache) {
        ConfigLoader loader = new ConfigLoader(stdin, cache);
        for (String p : paths) {
            loader.loadPath(p);
        }
        if (cache != null) cache.byFile = loader.used; // files gone since drop out
        return new Result(new ConfigSet(loader.resources), loader.diagnostics.sorted());
    }

    public static Result load(List<String> paths) {
        return load(paths, System.in);
    }

    /** Loads YAML text, naming it {@code label} in diagnostics. */
    public static Result loadString(String label, String yaml) {
        ConfigLoader loader = new ConfigLoader(InputStream.nullInputStream(), null);
        loader.loadText(label, yaml);
        return new Result(new ConfigSet(loader.resources), loader.diagnostics.sorted());
    }

    private void loadPath(String given) {
        if (given.equals(STDIN)) {
            try {
                loadBytes("<stdin>", stdin.readAllBytes());
            } catch (IOException e) {
                fileError("<stdin>", "cannot read standard input: " + e.getMessage());
            }
            return;
        }
        Path path = Path.of(given);
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(path)) {
                files = walk.filter(Files::isRegularFile)
                        .filter(ConfigLoader::isConfigFile)
                        .filter(p -> !isHidden(path.relativize(p)))
                        .sorted()
                        .toList();
            } catch (IOException | UncheckedIOException e) {
                fileError(given, "cannot list directory: " + e.getMessage());
                return;
            }
            if (files.isEmpty()) {
                diagnostics.add(new Diagnostic(given, 0, 0, Severity.WARNING, "", "", "no *.yaml, *.yml or *.json files in this directory"));
            }
            for (Path f : files) {
                if (isKustomization(f)) { // kustomize's own file: no resource, and the resources it lists are read where they lie
                    diagnostics.add(new Diagnostic(f.toString(), 0, 0, Severity.WARNING, "", "",
                            "kustomize's file, not a resource: skipped (ficus reads the YAML files of the directory, not what kustomize would build)"));
                    continue;
                }
                loadFile(f.toString(), f);
            }
        } else {
            loadFile(given, path);
        }
    }

    private static boolean isKustomization(Path p) {
        String n = p.getFileName().toString();
        return n.equals("kustomization.yaml") || n.equals("kustomization.yml");
    }

    private static boolean isConfigFile(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
    }

    private static boolean isHidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) return true;
        }
        return false;
    }

    private void loadFile(String label, Path path) {
        try {
            byte[] bytes = Files.readAllBytes(path);
            if (cache != null) {
                Cache.Entry hit = cache.byFile.get(label);
                if (hit != null && java.util.Arrays.equals(hit.bytes(), bytes)) {
                    resources.addAll(hit.resources());
                    hit.diagnostics().forEach(diagnostics::add);
                    used.put(label, hit);
                    return;
                }
                int r = resources.size(), d = diagnostics.size();
                loadBytes(label, bytes);
                used.put(label, new Cache.Entry(bytes, List.copyOf(resources.subList(r, resources.size())), diagnostics.since(d)));
                return;
            }
            loadBytes(label, bytes);
        } catch (NoSuchFileException e) {
            fileError(label, "no such file or directory");
        } catch (IOException e) {
            fileError(label, "cannot read: " + e.getMessage());
        }
    }

    private void loadBytes(String label, byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            fileError(label, "not UTF-8 text");
            return;
        }
        loadText(label, text);
    }

    private void loadText(String label, String text) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(label)
                .setUseMarks(true)
                .setAllowDuplicateKeys(true) // the binder reports duplicates with their position
                .setMaxAliasesForCollections(50)
                .setAllowNonScalarKeys(true) // the binder reports them with their position
                .build();
        Composer composer = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text)));
        try {
            while (composer.hasNext()) {
                Node doc = composer.next();
                if (doc != null) {
                    loadDocument(label, doc, text);
                }
            }
        } catch (MarkedYamlEngineException e) {
            Mark m = e.getProblemMark().or(e::getContextMark).orElse(null);
            String problem = e.getProblem() == null ? "invalid YAML" : e.getProblem();
            String context = e.getContext() == null || e.getContext().isBlank() ? "" : " (" + e.getContext() + ")";
            diagnostics.add(new Diagnostic(label, m == null ? 1 : m.getLine() + 1, m == null ? 1 : m.getColumn() + 1,
                    Severity.ERROR, "", "", "YAML syntax: " + problem + context));
        } catch (YamlEngineException e) {
            fileError(label, "YAML syntax: " + e.getMessage());
        } catch (StackOverflowError e) {
            // Thousands of nested [ or { : refuse the file, keep going with the others.
            fileError(label, "YAML nested too deeply to read");
        }
    }

    private void loadDocument(String label, Node doc, String text) {
        if (doc instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
            return; // an empty document between '---' separators
        }
        int line = doc.getStartMark().map(m -> m.getLine() + 1).orElse(1);
        int col = doc.getStartMark().map(m -> m.getColumn() + 1).orElse(1);
        if (!(doc instanceof MappingNode root)) {
            diagnostics.add(new Diagnostic(label, line, col, Severity.ERROR, "", "",
                    "expected a resource with apiVersion, kind, metadata and spec; got a "
                            + (doc instanceof SequenceNode ? "list" : "plain value")));
            return;
        }
        Map<String, NodeTuple> fields = new LinkedHashMap<>();
        for (NodeTuple t : root.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k) {
                fields.putIfAbsent(k.getValue(), t);
            }
        }
        String apiVersion = scalar(fields.get("apiVersion"));
        String kindName = scalar(fields.get("kind"));
        if (kindName == null || apiVersion == null) {
            String missing = kindName == null && apiVersion == null ? "apiVersion and kind" : kindName == null ? "kind" : "apiVersion";
            diagnostics.add(new Diagnostic(label, line, col, Severity.ERROR, "", "",
                    "missing " + missing + "; every document must say what it is, e.g. apiVersion: networking.istio.io/v1, kind: VirtualService"));
            return;
        }
        if (kindName.equals("List") && apiVersion.equals("v1")) {
            NodeTuple items = fields.get("items");
            if (items != null && items.getValueNode() instanceof SequenceNode seq) {
                for (Node item : seq.getValue()) loadDocument(label, item, text);
            }
            return;
        }
        Optional<Kind> kind = Kind.byName(kindName);
        if (kind.isEmpty()) {
            boolean istio = apiVersion.contains(".istio.io/");
            boolean ficus = apiVersion.startsWith(Kind.APP.group() + "/");
            String didYouMean = Names.closest(kindName, kindNames()).map(s -> " (did you mean '" + s + "'?)").orElse("");
            String message = istio && Kind.ISTIO_KINDS_NOT_READ.contains(kindName)
                    ? "Istio kind " + kindName + " is not supported by ficus; skipped"
                    : istio
                    ? "unknown Istio kind '" + kindName + "'" + didYouMean + "; skipped"
                    : ficus
                    ? "unknown ficus kind '" + kindName + "'" + didYouMean + "; skipped"
                    : "kind " + kindName + " (" + apiVersion + ") is not a kind ficus reads; skipped";
            Mark km = fields.get("kind").getValueNode().getStartMark().orElse(null);
            boolean error = ficus || istio && !Kind.ISTIO_KINDS_NOT_READ.contains(kindName);
            diagnostics.add(new Diagnostic(label, km == null ? line : km.getLine() + 1, km == null ? col : km.getColumn() + 1,
                    error ? Severity.ERROR : Severity.WARNING, "", "", message));
            return;
        }
        Kind k = kind.get();
        Positions positions = new Positions(label);
        positions.put("", line, col);
        DocumentSink sink = new DocumentSink(label, positions);
        Binder binder = new Binder(sink);

        NodeTuple metaTuple = fields.get("metadata");
        sink.subject = k.kindName() + "/" + Optional.ofNullable(metaTuple)
                .filter(t -> t.getValueNode() instanceof MappingNode)
                .flatMap(t -> ((MappingNode) t.getValueNode()).getValue().stream()
                        .filter(x -> x.getKeyNode() instanceof ScalarNode n && n.getValue().equals("name"))
                        .map(ConfigLoader::scalar).filter(java.util.Objects::nonNull).findFirst())
                .orElse("<unnamed>");
        ObjectMeta meta = metaTuple == null ? null : binder.bindRecord(metaTuple.getValueNode(), ObjectMeta.class, "metadata");
        if (metaTuple == null) {
            sink.report(Severity.ERROR, "", line, col, "missing metadata.name");
        } else {
            metaTuple.getKeyNode().getStartMark().ifPresent(m -> positions.put("metadata", m.getLine() + 1, m.getColumn() + 1));
        }
        if (meta != null && meta.name() != null) {
            checkName(sink, positions, "metadata.name", meta.name());
            if (meta.namespace() != null) checkName(sink, positions, "metadata.namespace", meta.namespace());
        }
        if (!k.accepts(apiVersion)) {
            Mark m = fields.get("apiVersion").getValueNode().getStartMark().orElse(null);
            sink.report(Severity.ERROR, "apiVersion", m == null ? line : m.getLine() + 1, m == null ? col : m.getColumn() + 1,
                    "apiVersion '" + apiVersion + "' is not accepted for " + k.kindName() + "; use one of "
                            + String.join(", ", k.versions().stream().map(v -> k.group() + "/" + v).toList()));
        }
        for (NodeTuple t : root.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode key && !TOP_LEVEL.contains(key.getValue()) && !key.getValue().equals("items")) {
                Mark m = key.getStartMark().orElse(null);
                sink.report(Severity.ERROR, key.getValue(), m == null ? line : m.getLine() + 1, m == null ? col : m.getColumn() + 1,
                        "unknown top-level field '" + key.getValue() + "'" + Names.closest(key.getValue(), TOP_LEVEL).map(s -> "; did you mean '" + s + "'?").orElse("; a resource has apiVersion, kind, metadata, spec"));
            }
        }
        NodeTuple specTuple = fields.get("spec");
        Object spec;
        if (specTuple == null) {
            spec = binder.bindRecord(new MappingNode(Tag.MAP, List.of(), org.snakeyaml.engine.v2.common.FlowStyle.AUTO), k.specType(), "spec");
        } else {
            specTuple.getKeyNode().getStartMark().ifPresent(m -> positions.put("spec", m.getLine() + 1, m.getColumn() + 1));
            spec = binder.bind(specTuple.getValueNode(), k.specType(), "spec");
            if (spec == null) {
                spec = binder.bindRecord(new MappingNode(Tag.MAP, List.of(), org.snakeyaml.engine.v2.common.FlowStyle.AUTO), k.specType(), "spec");
            }
        }
        if (meta == null || meta.name() == null || spec == null) {
            return;
        }
        resources.add(new Resource<>(k, apiVersion, meta, spec, new Origin(label, line, col, positions, fingerprint(doc, text))));
    }

    /** A short hash of the document's own text: equal text, equal fingerprint. */
    private static String fingerprint(Node doc, String text) {
        int start = doc.getStartMark().map(Mark::getIndex).orElse(0);
        int end = doc.getEndMark().map(Mark::getIndex).orElse(text.length());
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(text.substring(Math.max(0, start), Math.min(text.length(), Math.max(start, end))).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(sha.digest(), 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> kindNames() {
        return java.util.Arrays.stream(Kind.values()).map(Kind::kindName).toList();
    }

    private static void checkName(DocumentSink sink, Positions positions, String path, String value) {
        if (value.length() > 253 || !DNS1123_SUBDOMAIN.matcher(value).matches()) {
            long m = positions.find(path);
            sink.report(Severity.ERROR, path, Positions.line(m), Positions.column(m),
                    "'" + value + "' is not a valid name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");
        }
    }

    private static String scalar(NodeTuple t) {
        return t != null && t.getValueNode() instanceof ScalarNode s && s.getTag().equals(Tag.STR) ? s.getValue() : null;
    }

    private void fileError(String label, String message) {
        diagnostics.add(new Diagnostic(label, 0, 0, Severity.ERROR, "", "", message));
    }

    /** Sends the binder's findings to this load's diagnostics, naming the resource. */
    private final class DocumentSink implements Sink {
        private final String file;
        private final Positions positions;
        String subject = "";

        DocumentSink(String file, Positions positions) {
            this.file = file;
            this.positions = positions;
        }

        @Override
        public void report(Severity severity, String path, int line, int column, String message) {
            diagnostics.add(new Diagnostic(file, line, column, severity, subject, path, message));
        }

        @Override
        public void position(String path, int line, int column) {
            positions.put(path, line, column);
        }
    }
}
