package dev.ficus.xds.wire;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.ficus.xds.snapshot.ProxySnapshot;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The JSON form of snapshot resources as the control plane pushes them to proxies on the sync
 * stream. The snapshot records are the schema: a record is an object of its components by name,
 * so a new component needs no change here. Called by the control plane off any event loop to
 * encode, and by the proxy's sync client to decode before it swaps a snapshot in; thread-safe.
 *
 * <p>The shape:
 * <ul>
 *   <li>a record: an object of its components in declaration order; null components are left out
 *       and decode to their default (below), so a null collection comes back empty: a record must
 *       not give null a meaning apart from empty there;
 *   <li>a record of a sealed interface ({@code StringMatch}, {@code RouteAction},
 *       {@code HashPolicy}): {@code "type"} with the record's simple name comes first;
 *   <li>an enum: its name; a {@link java.time.Duration}: ISO-8601 ({@code "PT15S"}, {@code "PT0.025S"});
 *       an RE2 pattern: its source text;
 *   <li>a list or array: an array; a set: an array sorted by element JSON; a map: an object with
 *       its keys sorted, so that equal values always encode to equal text (see {@link #hash});
 *   <li>derived components ({@code StringMatch.Regex.pattern}, {@code RouteAction.Forward.cumulative})
 *       are left out: the constructor computes them again.
 * </ul>
 *
 * <p>Versions may differ both ways, as with xDS's proto3: decoding ignores fields it does not know
 * (a control plane newer than the proxy), and a field that is absent or {@code null} (a control
 * plane older than the proxy) decodes to its default: zero or false for a primitive, empty for a
 * list, set, map or array, {@link java.util.Optional#empty()}, and null for any other reference,
 * which the record's constructor then defaults or refuses. So a component added to a record must
 * mean "as before" at that default. A malformed value, or one a constructor refuses, fails with a
 * {@link DecodeException} naming its JSON path. Every value is built by its canonical constructor,
 * so what a proxy decodes has passed the same checks as what the control plane built.
 */
public final class SnapshotCodec {
    private static final TypeAdapter<JsonElement> TREE = new Gson().getAdapter(JsonElement.class);

    private SnapshotCodec() {}

    /** The JSON of a snapshot record, enum, or list, set or map of them. */
    public static String encode(Object value) {
        Objects.requireNonNull(value, "value");
        StringWriter out = new StringWriter(256);
        try {
            JsonWriter w = new JsonWriter(out);
            WireType.ofValue(value).write(w, value);
            w.flush();
        } catch (IOException e) {
            throw WireType.unchecked(e);
        }
        return out.toString();
    }

    /**
     * Builds a {@code type} (a record, a sealed interface of records, or an enum) from its JSON.
     *
     * @throws DecodeException when the text is not JSON, does not have the type's shape, or a
     *                         constructor refuses a value
     */
    @SuppressWarnings("unchecked")
    public static <T> T decode(String json, Class<T> type) {
        Objects.requireNonNull(json, "json");
        WireType t = WireType.of(type);
        JsonElement tree = parse(json);
        try {
            return (T) t.read(tree);
        } catch (DecodeFailure f) {
            throw new DecodeException(f.path(), f.getMessage());
        }
    }

    public static String encodeSnapshot(ProxySnapshot s) { return encode(s); }

    public static ProxySnapshot decodeSnapshot(String json) { return decode(json, ProxySnapshot.class); }

    /**
     * A short content hash of a value: the first 16 hex digits of the SHA-256 of its encoding.
     * Equal values have equal hashes, so the sync protocol can tell whether a resource changed.
     */
    public static String hash(Object value) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(encode(value).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        return HexFormat.of().formatHex(digest, 0, 8);
    }

    private static JsonElement parse(String json) {
        JsonReader r = new JsonReader(new StringReader(json));
        r.setStrictness(Strictness.STRICT);
        try {
            JsonElement tree = TREE.read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) throw new DecodeException("$", "malformed JSON: text after the value");
            return tree;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new DecodeException("$", "malformed JSON: " + e.getMessage());
        }
    }

    /**
     * A resource that cannot be decoded: malformed JSON, a value of the wrong shape, or one its
     * record refuses. The message starts with the JSON path of the offending value, e.g.
     * {@code clusters["outbound|9080||reviews"].endpoints[2].address: expected object, got string "x"}.
     */
    public static final class DecodeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final String path;

        DecodeException(String path, String reason) {
            super(path + ": " + reason);
            this.path = path;
        }

        /** The JSON path of the value that failed; {@code $} for the whole document. */
        public String path() { return path; }
    }
}
