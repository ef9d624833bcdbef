package dev.ficus.api.bind;

import dev.ficus.api.Durations;
import dev.ficus.api.config.Severity;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns a YAML node into a value of a Java type: records (the schema), {@code List}, {@code Map}
 * with string keys, enums, {@code String}, {@code Integer}, {@code Long}, {@code Double},
 * {@code Boolean}, {@link Duration} (Istio's duration strings) and {@code Object} (kept as plain
 * maps, lists and scalars). Every problem goes to the {@link Sink} with its position and field
 * path, and the offending field is left unset; nothing here throws for bad input.
 *
 * <p>Lists and maps that are absent bind to empty collections; other absent fields to null,
 * because Istio tells "unset" from "zero" for many of them.
 */
public final class Binder {
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");
    private final Sink sink;

    public Binder(Sink sink) {
        this.sink = sink;
    }

    /** Binds {@code node} (may be null: absent) to {@code type}; {@code path} names it in messages. */
    public Object bind(Node node, Type type, String path) {
        if (node == null || isNull(node)) {
            return empty(type);
        }
        Class<?> raw = rawClass(type);
        if (raw.isRecord()) {
            return bindRecord(node, raw, path);
        }
        if (raw == List.class) {
            return bindList(node, elementType(type, 0), path);
        }
        if (raw == Map.class) {
            return bindMap(node, elementType(type, 1), path);
        }
        if (raw == Object.class) {
            return plain(node);
        }
        if (!(node instanceof ScalarNode scalar)) {
            error(node, path, "expected " + describe(raw) + ", got " + describe(node));
            return null;
        }
        return bindScalar(scalar, raw, path);
    }

    /** Binds a whole record from a mapping node. */
    public <T> T bindRecord(Node node, Class<T> type, String path) {
        if (!(node instanceof MappingNode mapping)) {
            error(node, path, "expected an object with fields " + schema(type).summary() + ", got " + describe(node));
            return null;
        }
        Schema schema = schema(type);
        Object[] args = new Object[schema.components.length];
        boolean[] present = new boolean[schema.components.length];
        Set<String> seen = new HashSet<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode keyScalar)) {
                error(keyNode, path, "field names must be strings, got " + describe(keyNode));
                continue;
            }
            String key = keyScalar.getValue();
            String fieldPath = join(path, key);
            if (!seen.add(key)) {
                error(keyNode, fieldPath, "duplicate field '" + key + "'");
                continue;
            }
            Integer index = schema.index.get(key);
            if (index == null) {
                String hint = Names.closest(key, schema.index.keySet())
                        .map(s -> "; did you mean '" + s + "'?")
                        .orElse("; known fields: " + schema.summary());
                error(keyNode, fieldPath, "unknown field '" + key + "'" + hint);
                continue;
            }
            mark(keyNode, fieldPath);
            Node value = tuple.getValueNode();
            present[index] = !isNull(value);
            args[index] = bind(value, schema.genericTypes[index], fieldPath);
            if (present[index]) {
                if (schema.unsupported[index] != null) {
                    warn(keyNode, fieldPath, "accepted but not acted on: " + schema.unsupported[index]);
                }
                if (schema.deprecatedUse[index] != null) {
                    warn(keyNode, fieldPath, "deprecated; use " + schema.deprecatedUse[index]);
                }
            }
        }
        for (int i = 0; i < args.length; i++) {
            if (!present[i] && args[i] == null) {
                args[i] = empty(schema.genericTypes[i]);
            }
            if (!present[i] && schema.required[i]) {
                error(mapping, path, "missing required field '" + schema.names[i] + "'");
            }
        }
        for (OneOf oneOf : schema.oneOf) {
            List<String> set = new ArrayList<>();
            for (String f : oneOf.value()) {
                Integer i = schema.index.get(f);
                if (i != null && present[i]) set.add(f);
            }
            if (set.size() > 1) {
                error(mapping, path, "set only one of " + String.join(", ", oneOf.value()) + "; got " + String.join(" and ", set));
            } else if (set.isEmpty() && oneOf.required()) {
                error(mapping, path, "one of " + String.join(", ", oneOf.value()) + " is required");
            }
        }
        try {
            return type.cast(schema.constructor.newInstance(args));
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            error(mapping, path, "invalid " + type.getSimpleName() + ": " + cause.getMessage());
            return null;
        }
    }

    private List<Object> bindList(Node node, Type element, String path) {
        if (!(node instanceof SequenceNode seq)) {
            // A single value where a list is expected is a common slip: say so precisely.
            error(node, path, "expected a list, got " + describe(node) + " (write it as '- value')");
            return List.of();
        }
        List<Object> out = new ArrayList<>(seq.getValue().size());
        int i = 0;
        for (Node item : seq.getValue()) {
            String itemPath = path + "[" + i++ + "]";
            mark(item, itemPath);
            Object v = bind(item, element, itemPath);
            if (v != null) out.add(v);
        }
        return Collections.unmodifiableList(out);
    }

    private Map<String, Object> bindMap(Node node, Type value, String path) {
        if (!(node instanceof MappingNode mapping)) {
            error(node, path, "expected a map of key: value, got " + describe(node));
            return Map.of();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                error(t.getKeyNode(), path, "map keys must be strings, got " + describe(t.getKeyNode()));
                continue;
            }
            String key = k.getValue();
            String p = PLAIN_KEY.matcher(key).matches() ? join(path, key) : path + "[\"" + key + "\"]";
            if (out.containsKey(key)) {
                error(k, p, "duplicate key '" + key + "'");
                continue;
            }
            mark(k, p);
            Object v = bind(t.getValueNode(), value, p);
            if (v != null) out.put(key, v);
        }
        return Collections.unmodifiableMap(out);
    }

    private Object bindScalar(ScalarNode node, Class<?> raw, String path) {
        String text = node.getValue();
        Tag tag = node.getTag();
        if (raw == String.class) {
            if (!tag.equals(Tag.STR)) {
                error(node, path, "expected a string, got " + describe(node) + " (quote it: \"" + text + "\")");
                return null;
            }
            return text;
        }
        if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
            if (!tag.equals(Tag.INT)) {
                error(node, path, "expected an integer, got " + describe(node));
                return null;
            }
            BigInteger v = parseInt(text);
            boolean isInt = raw == Integer.class || raw == int.class;
            BigInteger min = BigInteger.valueOf(isInt ? Integer.MIN_VALUE : Long.MIN_VALUE);
            BigInteger max = BigInteger.valueOf(isInt ? Integer.MAX_VALUE : Long.MAX_VALUE);
            if (v == null || v.compareTo(min) < 0 || v.compareTo(max) > 0) {
                error(node, path, "integer out of range: " + text);
                return null;
            }
            return isInt ? (Object) v.intValue() : (Object) v.longValue();
        }
        if (raw == Double.class || raw == double.class) {
            if (!tag.equals(Tag.INT) && !tag.equals(Tag.FLOAT)) {
                error(node, path, "expected a number, got " + describe(node));
                return null;
            }
            try {
                double d = Double.parseDouble(text.replace("_", ""));
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    error(node, path, "expected a finite number, got " + text);
                    return null;
                }
                return d;
            } catch (NumberFormatException e) {
                error(node, path, "expected a number, got " + text);
                return null;
            }
        }
        if (raw == Boolean.class || raw == boolean.class) {
            if (!tag.equals(Tag.BOOL)) {
                error(node, path, "expected true or false, got " + describe(node));
                return null;
            }
            return Boolean.parseBoolean(text.toLowerCase(java.util.Locale.ROOT));
        }
        if (raw == Duration.class) {
            if (!tag.equals(Tag.STR)) {
                error(node, path, "expected a duration such as 5s or 100ms, got " + describe(node));
                return null;
            }
            try {
                return Durations.parse(text);
            } catch (Durations.DurationFormatException e) {
                error(node, path, e.getMessage());
                return null;
            }
        }
        if (raw.isEnum()) {
            List<String> allowed = Arrays.stream(raw.getEnumConstants()).map(c -> ((Enum<?>) c).name()).toList();
            if (!tag.equals(Tag.STR)) {
                error(node, path, "expected one of " + String.join(", ", allowed) + ", got " + describe(node));
                return null;
            }
            for (Object c : raw.getEnumConstants()) {
                if (((Enum<?>) c).name().equals(text)) return c;
            }
            String hint = Names.closest(text, allowed).map(s -> "; did you mean '" + s + "'?").orElse("");
            error(node, path, "unknown value '" + text + "'; allowed: " + String.join(", ", allowed) + hint);
            return null;
        }
        error(node, path, "cannot bind a value of type " + raw.getSimpleName());
        return null;
    }

    /** Converts a node to plain Java values, for fields kept as they are. */
    public static Object plain(Node node) {
        if (node instanceof ScalarNode s) {
            Tag tag = s.getTag();
            if (tag.equals(Tag.NULL)) return null;
            if (tag.equals(Tag.BOOL)) return Boolean.parseBoolean(s.getValue());
            if (tag.equals(Tag.INT)) {
                BigInteger v = parseInt(s.getValue());
                return v == null ? s.getValue() : v.bitLength() < 64 ? (Object) v.longValue() : v;
            }
            if (tag.equals(Tag.FLOAT)) {
                try {
                    return Double.parseDouble(s.getValue());
                } catch (NumberFormatException e) {
                    return s.getValue();
                }
            }
            return s.getValue();
        }
        if (node instanceof SequenceNode seq) {
            List<Object> out = new ArrayList<>();
            for (Node n : seq.getValue()) out.add(plain(n));
            return Collections.unmodifiableList(out);
        }
        if (node instanceof MappingNode m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                Object k = plain(t.getKeyNode());
                out.put(String.valueOf(k), plain(t.getValueNode()));
            }
            return Collections.unmodifiableMap(out);
        }
        return null;
    }

    private static BigInteger parseInt(String text) {
        String t = text.replace("_", "");
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) return new BigInteger(t.substring(2), 16);
            if (t.startsWith("0o")) return new BigInteger(t.substring(2), 8);
            return new BigInteger(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    private static Object empty(Type type) {
        Class<?> raw = rawClass(type);
        if (raw == List.class) return List.of();
        if (raw == Map.class) return Map.of();
        return null;
    }

    static String describe(Node node) {
        if (node instanceof MappingNode) return "an object";
        if (node instanceof SequenceNode) return "a list";
        if (node instanceof ScalarNode s) {
            Tag t = s.getTag();
            String v = s.getValue().length() > 40 ? s.getValue().substring(0, 37) + "..." : s.getValue();
            if (t.equals(Tag.INT)) return "integer " + v;
            if (t.equals(Tag.FLOAT)) return "number " + v;
            if (t.equals(Tag.BOOL)) return "boolean " + v;
            if (t.equals(Tag.NULL)) return "null";
            boolean quoted = s.getScalarStyle() != ScalarStyle.PLAIN;
            return "string " + (quoted ? "\"" + v + "\"" : "'" + v + "'");
        }
        return "a value";
    }

    private static String describe(Class<?> raw) {
        if (raw == String.class) return "a string";
        if (raw == Integer.class || raw == Long.class) return "an integer";
        if (raw == Double.class) return "a number";
        if (raw == Boolean.class) return "true or false";
        if (raw == Duration.class) return "a duration such as 5s";
        if (raw.isEnum()) return "one of " + Arrays.stream(raw.getEnumConstants()).map(String::valueOf).collect(Collectors.joining(", "));
        return "a " + raw.getSimpleName();
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private void mark(Node node, String path) {
        node.getStartMark().ifPresent(m -> sink.position(path, m.getLine() + 1, m.getColumn() + 1));
    }

    private void error(Node node, String path, String message) {
        report(Severity.ERROR, node, path, message);
    }

    private void warn(Node node, String path, String message) {
        report(Severity.WARNING, node, path, message);
    }

    private void report(Severity severity, Node node, String path, String message) {
        Mark m = node.getStartMark().orElse(null);
        sink.report(severity, path, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1, message);
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) return c;
        if (type instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        throw new IllegalArgumentException("unsupported type " + type);
    }

    private static Type elementType(Type type, int index) {
        if (type instanceof ParameterizedType p) return p.getActualTypeArguments()[index];
        return Object.class;
    }

    // ---- per-record schema, computed once per class ----

    private static final ClassValue<Schema> SCHEMAS = new ClassValue<>() {
        @Override
        protected Schema computeValue(Class<?> type) {
            return new Schema(type);
        }
    };

    static Schema schema(Class<?> type) {
        return SCHEMAS.get(type);
    }

    /** The YAML field names of a record, in declaration order. */
    public static List<String> fieldNames(Class<?> recordType) {
        return List.of(schema(recordType).names);
    }

    /** What binding a record type needs, read by reflection once per type (not per document). */
    static final class Schema {
        final RecordComponent[] components;
        final String[] names;
        final java.lang.reflect.Type[] genericTypes;
        final String[] unsupported;
        final String[] deprecatedUse;
        final boolean[] required;
        final OneOf[] oneOf;
        final Map<String, Integer> index = new LinkedHashMap<>();
        final Constructor<?> constructor;

        Schema(Class<?> type) {
            components = type.getRecordComponents();
            int n = components.length;
            names = new String[n];
            genericTypes = new java.lang.reflect.Type[n];
            unsupported = new String[n];
            deprecatedUse = new String[n];
            required = new boolean[n];
            Class<?>[] types = new Class<?>[n];
            for (int i = 0; i < n; i++) {
                RecordComponent c = components[i];
                YamlName yamlName = c.getAnnotation(YamlName.class);
                names[i] = yamlName != null ? yamlName.value() : c.getName();
                index.put(names[i], i);
                types[i] = c.getType();
                genericTypes[i] = c.getGenericType();
                Unsupported u = c.getAnnotation(Unsupported.class);
                unsupported[i] = u == null ? null : u.value();
                Deprecated d = c.getAnnotation(Deprecated.class);
                deprecatedUse[i] = d == null ? null : d.use();
                required[i] = c.isAnnotationPresent(Required.class);
            }
            oneOf = type.getAnnotationsByType(OneOf.class);
            try {
                constructor = type.getDeclaredConstructor(types);
                constructor.setAccessible(true);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(e);
            }
        }

        String summary() {
            return names.length <= 12 ? String.join(", ", names) : String.join(", ", Arrays.copyOf(names, 12)) + ", ...";
        }
    }
}
