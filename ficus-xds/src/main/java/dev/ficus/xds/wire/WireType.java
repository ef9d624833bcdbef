package dev.ficus.xds.wire;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonWriter;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.ficus.api.JsonText;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How one Java type is written to and read from JSON. Built once per type from reflection (the
 * snapshot records are the schema) and cached, so encoding a resource walks a tree of these
 * without looking anything up by name. Immutable; used from any thread.
 */
abstract class WireType {
    abstract void write(JsonWriter w, Object value) throws IOException;

    /** Reads a non-null element; throws {@link DecodeFailure} with the reason. */
    abstract Object read(JsonElement e);

    /** Whether a field holding {@code value} is left out of its object. */
    boolean absent(Object value) { return value == null; }

    /**
     * What a field that is not in the JSON object (or is {@code null} there) decodes to: proto3's
     * default, so that a proxy reads a snapshot from a control plane that does not know a newer
     * component. Null for a reference, which the record's constructor then defaults or refuses.
     */
    Object missing() { return null; }

    // ---- the type → wire form mapping ----

    private static final ClassValue<WireType> BY_CLASS = new ClassValue<>() {
        @Override protected WireType computeValue(Class<?> c) { return forClass(c); }
    };

    /** The wire form of a declared type; throws {@link IllegalArgumentException} for a type the wire form has no encoding for. */
    static WireType of(Type t) {
        if (t instanceof Class<?> c) return BY_CLASS.get(c);
        if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] args = p.getActualTypeArguments();
            if (raw == List.class || raw == Collection.class) return new ListType(of(args[0]));
            if (raw == Set.class) return new SetType(of(args[0]));
            if (raw == Optional.class) return new OptionalType(of(args[0]));
            if (raw == Map.class) {
                if (args[0] != String.class) throw new IllegalArgumentException("map keys on the wire are strings: " + t);
                return new MapType(of(args[1]));
            }
        }
        if (t instanceof WildcardType w && w.getLowerBounds().length == 0) return of(w.getUpperBounds()[0]);
        throw new IllegalArgumentException("the wire form has no encoding for " + t.getTypeName());
    }

    /** The wire form of a value whose declared type is unknown (the argument of {@code encode}). */
    static WireType ofValue(Object value) {
        if (value instanceof List<?>) return new ListType(DYNAMIC);
        if (value instanceof Set<?>) return new SetType(DYNAMIC);
        if (value instanceof Map<?, ?>) return new MapType(DYNAMIC);
        if (value instanceof Optional<?>) return new OptionalType(DYNAMIC);
        return BY_CLASS.get(value.getClass());
    }

    private static WireType forClass(Class<?> c) {
        if (c == String.class) return STRING;
        if (c == int.class || c == Integer.class) return new IntType(c.isPrimitive());
        if (c == long.class || c == Long.class) return new LongType(c.isPrimitive());
        if (c == boolean.class || c == Boolean.class) return new BooleanType(c.isPrimitive());
        if (c == double.class || c == Double.class) return new DoubleType(c.isPrimitive());
        if (c == Duration.class) return DURATION;
        if (c == Pattern.class) return PATTERN;
        if (c == Object.class) return DYNAMIC;
        if (c.isEnum()) return new EnumType(c);
        if (c.getSuperclass() != null && c.getSuperclass().isEnum()) return BY_CLASS.get(c.getSuperclass()); // a constant with a body
        if (c.isArray()) return new ArrayType(c.getComponentType(), of(c.getComponentType()));
        if (c.isRecord() || RecordShape.RECORD_LIKE.containsKey(c)) return new RecordType(c);
        if (c.isInterface() && c.isSealed()) return new SealedType(c);
        if (List.class.isAssignableFrom(c) || Set.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c) || c == Optional.class) return DYNAMIC;
        throw new IllegalArgumentException("the wire form has no encoding for " + c.getName());
    }

    // ---- scalars ----

    /** A number or boolean; a missing primitive is zero or false, a missing boxed one null. */
    private abstract static class Scalar extends WireType {
        private final Object missing;

        Scalar(boolean primitive, Object zero) { this.missing = primitive ? zero : null; }

        @Override Object missing() { return missing; }
    }

    private static final WireType STRING = new WireType() {
        @Override void write(JsonWriter w, Object v) throws IOException { w.value((String) v); }
        @Override Object read(JsonElement e) { return string(e, "string"); }
    };

    private static final class IntType extends Scalar {
        IntType(boolean primitive) { super(primitive, 0); }
        @Override void write(JsonWriter w, Object v) throws IOException { w.value((long) (Integer) v); }
        @Override Object read(JsonElement e) {
            String n = number(e, "an int");
            try { return Integer.parseInt(n); } catch (NumberFormatException x) { throw DecodeFailure.expected("an int", e); }
        }
    }

    private static final class LongType extends Scalar {
        LongType(boolean primitive) { super(primitive, 0L); }
        @Override void write(JsonWriter w, Object v) throws IOException { w.value((long) (Long) v); }
        @Override Object read(JsonElement e) {
            String n = number(e, "a long");
            try { return Long.parseLong(n); } catch (NumberFormatException x) { throw DecodeFailure.expected("a long", e); }
        }
    }

    private static final class BooleanType extends Scalar {
        BooleanType(boolean primitive) { super(primitive, false); }
        @Override void write(JsonWriter w, Object v) throws IOException { w.value((boolean) (Boolean) v); }
        @Override Object read(JsonElement e) {
            if (e instanceof JsonPrimitive p && p.isBoolean()) return p.getAsBoolean();
            throw DecodeFailure.expected("a boolean", e);
        }
    }

    private static final class DoubleType extends Scalar {
        DoubleType(boolean primitive) { super(primitive, 0.0); }
        @Override void write(JsonWriter w, Object v) throws IOException { w.value((double) (Double) v); }
        @Override Object read(JsonElement e) {
            String n = number(e, "a number");
            try { return Double.parseDouble(n); } catch (NumberFormatException x) { throw DecodeFailure.expected("a number", e); }
        }
    }

    /** ISO-8601, as {@link Duration#toString()} writes it ({@code PT15S}, {@code PT0.25S}): exact to the nanosecond and readable. */
    private static final WireType DURATION = new WireType() {
        @Override void write(JsonWriter w, Object v) throws IOException { w.value(v.toString()); }
        @Override Object read(JsonElement e) {
            String s = string(e, "an ISO-8601 duration");
            try { return Duration.parse(s); } catch (DateTimeParseException x) { throw DecodeFailure.expected("an ISO-8601 duration such as \"PT1.5S\"", e); }
        }
    };

    /** An RE2 pattern as its source text; flags have no wire form, and the snapshot compiles without them. */
    private static final WireType PATTERN = new WireType() {
        @Override void write(JsonWriter w, Object v) throws IOException {
            Pattern p = (Pattern) v;
            if (p.flags() != 0) throw new IllegalArgumentException("a pattern with flags has no wire form: " + p.pattern());
            w.value(p.pattern());
        }
        @Override Object read(JsonElement e) {
            String s = string(e, "an RE2 regex");
            try { return Pattern.compile(s); } catch (PatternSyntaxException x) { throw new DecodeFailure("invalid RE2 regex: " + x.getMessage()); }
        }
    };

    private static String string(JsonElement e, String what) {
        if (e instanceof JsonPrimitive p && p.isString()) return p.getAsString();
        throw DecodeFailure.expected(what, e);
    }

    private static String number(JsonElement e, String what) {
        if (e instanceof JsonPrimitive p && p.isNumber()) return p.getAsString();
        throw DecodeFailure.expected(what, e);
    }

    private static final class EnumType extends WireType {
        private final Class<?> type;
        private final Map<String, Object> byName = new HashMap<>();

        EnumType(Class<?> type) {
            this.type = type;
            for (Object c : type.getEnumConstants()) byName.put(((Enum<?>) c).name(), c);
        }

        @Override void write(JsonWriter w, Object v) throws IOException { w.value(((Enum<?>) v).name()); }

        @Override Object read(JsonElement e) {
            String s = string(e, "a " + type.getSimpleName() + " name");
            Object c = byName.get(s);
            if (c == null) {
                throw new DecodeFailure("unknown " + type.getSimpleName() + " \"" + s + "\", expected one of "
                        + String.join(", ", Arrays.stream(type.getEnumConstants()).map(x -> ((Enum<?>) x).name()).toList()));
            }
            return c;
        }
    }

    // ---- containers ----

    private static final class ListType extends WireType {
        private final WireType element;

        ListType(WireType element) { this.element = element; }

        @Override Object missing() { return List.of(); }

        @Override void write(JsonWriter w, Object v) throws IOException {
            w.beginArray();
            for (Object x : (List<?>) v) writeNullable(w, element, x);
            w.endArray();
        }

        @Override Object read(JsonElement e) {
            if (!(e instanceof JsonArray a)) throw DecodeFailure.expected("array", e);
            List<Object> out = new ArrayList<>(a.size());
            for (int i = 0; i < a.size(); i++) {
                try {
                    out.add(readNullable(element, a.get(i)));
                } catch (DecodeFailure f) {
                    throw f.at("[" + i + "]");
                }
            }
            return Collections.unmodifiableList(out);
        }
    }

    /** A set, written sorted by the JSON of its elements so that equal sets encode alike. */
    private static final class SetType extends WireType {
        private final WireType element;

        SetType(WireType element) { this.element = element; }

        @Override Object missing() { return Set.of(); }

        @Override void write(JsonWriter w, Object v) throws IOException {
            Set<?> set = (Set<?>) v;
            String[] items = new String[set.size()];
            int i = 0;
            for (Object x : set) {
                StringWriter s = new StringWriter();
                JsonWriter one = new JsonWriter(s);
                writeNullable(one, element, x);
                one.flush();
                items[i++] = s.toString();
            }
            Arrays.sort(items);
            w.beginArray();
            for (String item : items) w.jsonValue(item);
            w.endArray();
        }

        @Override Object read(JsonElement e) {
            if (!(e instanceof JsonArray a)) throw DecodeFailure.expected("array", e);
            Set<Object> out = new LinkedHashSet<>();
            for (int i = 0; i < a.size(); i++) {
                try {
                    out.add(readNullable(element, a.get(i)));
                } catch (DecodeFailure f) {
                    throw f.at("[" + i + "]");
                }
            }
            return Collections.unmodifiableSet(out);
        }
    }

    /** A map with string keys, written with its keys sorted so that equal maps encode alike. */
    private static final class MapType extends WireType {
        private final WireType value;

        MapType(WireType value) { this.value = value; }

        @Override Object missing() { return Map.of(); }

        @Override void write(JsonWriter w, Object v) throws IOException {
            Map<?, ?> m = (Map<?, ?>) v;
            String[] keys = new String[m.size()];
            int i = 0;
            for (Object k : m.keySet()) {
                if (!(k instanceof String s)) throw new IllegalArgumentException("map keys on the wire are strings: " + k);
                keys[i++] = s;
            }
            Arrays.sort(keys);
            w.beginObject();
            for (String k : keys) {
                w.name(k);
                writeNullable(w, value, m.get(k));
            }
            w.endObject();
        }

        @Override Object read(JsonElement e) {
            if (!(e instanceof JsonObject o)) throw DecodeFailure.expected("object", e);
            Map<String, Object> out = new LinkedHashMap<>(Math.max(4, o.size() * 4 / 3 + 1));
            for (Map.Entry<String, JsonElement> entry : o.entrySet()) {
                try {
                    out.put(entry.getKey(), readNullable(value, entry.getValue()));
                } catch (DecodeFailure f) {
                    throw f.at("[" + JsonText.quote(entry.getKey()) + "]");
                }
            }
            return Collections.unmodifiableMap(out);
        }
    }

    /** An optional field: left out when empty. */
    private static final class OptionalType extends WireType {
        private final WireType value;

        OptionalType(WireType value) { this.value = value; }

        @Override void write(JsonWriter w, Object v) throws IOException { writeNullable(w, value, ((Optional<?>) v).orElse(null)); }
        @Override Object read(JsonElement e) { return Optional.ofNullable(readNullable(value, e)); }
        @Override boolean absent(Object v) { return v == null || ((Optional<?>) v).isEmpty(); }
        @Override Object missing() { return Optional.empty(); }
    }

    private static final class ArrayType extends WireType {
        private final Class<?> componentType;
        private final WireType element;

        ArrayType(Class<?> componentType, WireType element) {
            this.componentType = componentType;
            this.element = element;
        }

        @Override Object missing() { return Array.newInstance(componentType, 0); }

        @Override void write(JsonWriter w, Object v) throws IOException {
            w.beginArray();
            for (int i = 0, n = Array.getLength(v); i < n; i++) writeNullable(w, element, Array.get(v, i));
            w.endArray();
        }

        @Override Object read(JsonElement e) {
            if (!(e instanceof JsonArray a)) throw DecodeFailure.expected("array", e);
            Object out = Array.newInstance(componentType, a.size());
            for (int i = 0; i < a.size(); i++) {
                try {
                    JsonElement x = a.get(i);
                    Array.set(out, i, componentType.isPrimitive() ? element.read(x) : readNullable(element, x));
                } catch (DecodeFailure f) {
                    throw f.at("[" + i + "]");
                }
            }
            return out;
        }
    }

    /** {@code Object}, or a container met without its generic type: written by the runtime class of each value. */
    private static final WireType DYNAMIC = new WireType() {
        @Override void write(JsonWriter w, Object v) throws IOException { ofValue(v).write(w, v); }
        @Override Object read(JsonElement e) { throw new DecodeFailure("cannot decode without a declared type (a collection needs its element type)"); }
    };

    private static void writeNullable(JsonWriter w, WireType t, Object v) throws IOException {
        if (v == null) w.nullValue();
        else t.write(w, v);
    }

    private static Object readNullable(WireType t, JsonElement e) {
        return e.isJsonNull() ? null : t.read(e);
    }

    // ---- records and sealed interfaces ----

    private static final class RecordType extends WireType {
        private final Class<?> type;

        RecordType(Class<?> type) { this.type = type; }

        @Override void write(JsonWriter w, Object v) throws IOException { RecordShape.of(type).write(w, v); }
        @Override Object read(JsonElement e) { return RecordShape.of(type).read(e); }
    }

    /** A sealed interface: the value's record writes its {@code type}; reading picks the record by it. */
    private static final class SealedType extends WireType {
        private final Class<?> type;
        private final Map<String, Class<?>> bySimpleName = new LinkedHashMap<>();

        SealedType(Class<?> type) {
            this.type = type;
            collect(type);
        }

        private void collect(Class<?> sealed) {
            for (Class<?> p : sealed.getPermittedSubclasses()) {
                if (p.isInterface() && p.isSealed()) {
                    collect(p);
                } else if (p.isRecord()) {
                    Class<?> prior = bySimpleName.put(p.getSimpleName(), p);
                    if (prior != null) throw new IllegalArgumentException(type.getName() + ": two subtypes are named " + p.getSimpleName());
                } else {
                    throw new IllegalArgumentException("the wire form has no encoding for " + p.getName() + ", a subtype of " + type.getName());
                }
            }
        }

        @Override void write(JsonWriter w, Object v) throws IOException { RecordShape.of(v.getClass()).write(w, v); }

        @Override Object read(JsonElement e) {
            if (!(e instanceof JsonObject o)) throw DecodeFailure.expected("object", e);
            JsonElement t = o.get(RecordShape.TYPE);
            if (t == null || t.isJsonNull()) {
                throw new DecodeFailure("missing required field (the " + type.getSimpleName() + ": one of " + String.join(", ", bySimpleName.keySet()) + ")").at(".type");
            }
            if (!(t instanceof JsonPrimitive p && p.isString())) throw DecodeFailure.expected("string", t).at(".type");
            Class<?> record = bySimpleName.get(p.getAsString());
            if (record == null) {
                throw new DecodeFailure("unknown " + type.getSimpleName() + " type \"" + p.getAsString() + "\", expected one of "
                        + String.join(", ", bySimpleName.keySet())).at(".type");
            }
            return RecordShape.of(record).read(o);
        }
    }

    /**
     * The components of one record (or of a class that is built like one), their wire forms, and
     * its canonical constructor, which every decoded value goes through so that the record's own
     * checks run.
     */
    static final class RecordShape {
        static final String TYPE = "type";

        /**
         * Components the canonical constructor computes from the others when handed null: they
         * are left off the wire. Listed by name because a component's type does not tell: a
         * {@link Pattern} is derived in {@code StringMatch.Regex} (compiled from {@code regex}) but
         * is the only copy of the regex in {@code RouteRewrite}.
         */
        static final Map<Class<?>, Set<String>> DERIVED = Map.of(
                dev.ficus.xds.snapshot.StringMatch.Regex.class, Set.of("pattern"),
                dev.ficus.xds.snapshot.RouteAction.Forward.class, Set.of("cumulative"));

        /**
         * Classes that are not records but are built like one: a public constructor taking these
         * accessors' values in order. {@code RouteTable} is a class because it keeps a domain index.
         */
        static final Map<Class<?>, List<String>> RECORD_LIKE = Map.of(
                dev.ficus.xds.snapshot.RouteTable.class, List.of("name", "virtualHosts", "declaredPortsOnly"));

        private static final ClassValue<RecordShape> SHAPES = new ClassValue<>() {
            @Override protected RecordShape computeValue(Class<?> c) { return new RecordShape(c); }
        };

        static RecordShape of(Class<?> type) { return SHAPES.get(type); }

        private final Class<?> type;
        private final String tag;
        private final String[] names;
        private final Method[] accessors;
        private final WireType[] types;
        private final boolean[] derived;
        private final Object[] derivedValues;
        private final Constructor<?> constructor;

        private RecordShape(Class<?> c) {
            this.type = c;
            List<String> names = new ArrayList<>();
            List<Method> accessors = new ArrayList<>();
            List<Type> generic = new ArrayList<>();
            List<Class<?>> raw = new ArrayList<>();
            if (c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    names.add(rc.getName());
                    accessors.add(rc.getAccessor());
                    generic.add(rc.getGenericType());
                    raw.add(rc.getType());
                }
            } else {
                for (String name : RECORD_LIKE.get(c)) {
                    Method m;
                    try {
                        m = c.getMethod(name);
                    } catch (NoSuchMethodException e) {
                        throw new IllegalArgumentException(c.getName() + " has no accessor " + name, e);
                    }
                    names.add(name);
                    accessors.add(m);
                    generic.add(m.getGenericReturnType());
                    raw.add(m.getReturnType());
                }
            }
            try {
                this.constructor = c.getDeclaredConstructor(raw.toArray(Class<?>[]::new));
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(c.getName() + " has no constructor taking " + names, e);
            }
            constructor.trySetAccessible();
            Set<String> derivedNames = DERIVED.getOrDefault(c, Set.of());
            int n = names.size();
            this.names = names.toArray(String[]::new);
            this.accessors = accessors.toArray(Method[]::new);
            this.types = new WireType[n];
            this.derived = new boolean[n];
            this.derivedValues = new Object[n];
            for (int i = 0; i < n; i++) {
                this.accessors[i].trySetAccessible();
                derived[i] = derivedNames.contains(this.names[i]);
                if (derived[i]) derivedValues[i] = zero(raw.get(i));
                try {
                    types[i] = derived[i] ? null : WireType.of(generic.get(i));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(c.getName() + "." + this.names[i] + ": " + e.getMessage(), e);
                }
            }
            String tag = null;
            for (Class<?> i : c.getInterfaces()) if (i.isSealed()) tag = c.getSimpleName();
            this.tag = tag;
            if (tag != null && names.contains(TYPE)) throw new IllegalArgumentException(c.getName() + " has a component named \"type\", which its sealed interface's tag takes");
        }

        void write(JsonWriter w, Object value) throws IOException {
            w.beginObject();
            if (tag != null) w.name(TYPE).value(tag);
            for (int i = 0; i < names.length; i++) {
                if (derived[i]) continue;
                Object v = get(i, value);
                if (types[i].absent(v)) continue;
                w.name(names[i]);
                types[i].write(w, v);
            }
            w.endObject();
        }

        private Object get(int i, Object value) {
            try {
                return accessors[i].invoke(value);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        Object read(JsonElement e) {
            if (!(e instanceof JsonObject o)) throw DecodeFailure.expected("object", e);
            if (tag != null) {
                JsonElement t = o.get(TYPE);
                if (t != null && !(t instanceof JsonPrimitive p && p.isString() && p.getAsString().equals(tag))) {
                    throw DecodeFailure.expected("\"" + tag + "\"", t).at("." + TYPE);
                }
            }
            Object[] args = new Object[names.length];
            boolean[] absent = null; // which components took their default: named when the constructor refuses
            for (int i = 0; i < names.length; i++) {
                if (derived[i]) {
                    args[i] = derivedValues[i];
                    continue;
                }
                JsonElement v = o.get(names[i]);
                if (v == null || v.isJsonNull()) {
                    args[i] = types[i].missing();
                    if (absent == null) absent = new boolean[names.length];
                    absent[i] = true;
                    continue;
                }
                try {
                    args[i] = types[i].read(v);
                } catch (DecodeFailure f) {
                    throw f.at("." + names[i]);
                }
            }
            try {
                return constructor.newInstance(args);
            } catch (InvocationTargetException x) {
                Throwable cause = x.getCause();
                if (cause instanceof NullPointerException && cause.getMessage() != null) {
                    for (int i = 0; i < names.length; i++) {
                        if (args[i] == null && names[i].equals(cause.getMessage())) throw new DecodeFailure("missing required field").at("." + names[i]);
                    }
                }
                String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
                throw new DecodeFailure("invalid " + type.getSimpleName() + ": " + why + defaulted(absent, args));
            } catch (ReflectiveOperationException x) {
                throw new IllegalStateException(x);
            }
        }

        /**
         * The components of a refused value that were absent and took a zero or empty default, e.g.
         * {@code " (absent, so defaulted: weight=0)"}: the refusal may be about one of them (a control
         * plane older than this proxy does not send a newer component), which the constructor's
         * message cannot tell. Absent references are not listed: they are null as the record knows.
         */
        private String defaulted(boolean[] absent, Object[] args) {
            if (absent == null) return "";
            StringBuilder b = null;
            for (int i = 0; i < names.length; i++) {
                if (!absent[i] || args[i] == null || args[i] instanceof Optional<?>) continue;
                b = b == null ? new StringBuilder(" (absent, so defaulted: ") : b.append(", ");
                b.append(names[i]).append('=').append(describeDefault(args[i]));
            }
            return b == null ? "" : b.append(')').toString();
        }

        private static String describeDefault(Object v) {
            if (v.getClass().isArray()) return "[]";
            if (v instanceof Collection<?>) return "[]";
            if (v instanceof Map<?, ?>) return "{}";
            return String.valueOf(v);
        }

        private static Object zero(Class<?> c) {
            if (!c.isPrimitive()) return null;
            return Array.get(Array.newInstance(c, 1), 0);
        }
    }

    static UncheckedIOException unchecked(IOException e) { return new UncheckedIOException(e); }
}
