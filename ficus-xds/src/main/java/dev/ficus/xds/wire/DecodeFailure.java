package dev.ficus.xds.wire;

import com.google.gson.JsonElement;

/**
 * A decoding error on its way up from where it happened: each enclosing field, element or map
 * entry adds its path segment as the failure passes, so the happy path never builds a path.
 * {@link SnapshotCodec} turns it into a {@link SnapshotCodec.DecodeException}.
 */
final class DecodeFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final java.util.ArrayList<String> segments = new java.util.ArrayList<>(8);

    DecodeFailure(String message) {
        super(message, null, false, false);
    }

    static DecodeFailure expected(String what, JsonElement got) {
        return new DecodeFailure("expected " + what + ", got " + describe(got));
    }

    /** Adds the segment of the enclosing field ({@code .name}), element ({@code [2]}) or entry ({@code ["key"]}). */
    DecodeFailure at(String segment) {
        segments.add(segment);
        return this;
    }

    /** The JSON path from the decoded value to the failure, e.g. {@code clusters["a"].endpoints[2].address}; {@code $} for the value itself. */
    String path() {
        StringBuilder b = new StringBuilder();
        for (int i = segments.size() - 1; i >= 0; i--) b.append(segments.get(i));
        if (b.isEmpty()) return "$";
        return b.charAt(0) == '.' ? b.substring(1) : b.toString();
    }

    static String describe(JsonElement e) {
        if (e == null || e.isJsonNull()) return "null";
        if (e.isJsonObject()) return "object";
        if (e.isJsonArray()) return "array";
        var p = e.getAsJsonPrimitive();
        if (p.isBoolean()) return "boolean " + p.getAsBoolean();
        if (p.isNumber()) return "number " + p.getAsString();
        String s = p.getAsString();
        return "string \"" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "\"";
    }
}
