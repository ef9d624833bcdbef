package dev.ficus.proxy.jwt;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;

/** Strict JSON for the untrusted parts of a token and for key sets: an object or null, never an exception. */
final class Json {
    private static final TypeAdapter<JsonElement> TREE = new Gson().getAdapter(JsonElement.class);

    private Json() {}

    /** The JSON object {@code text} holds, or null when it is not exactly one strict JSON object. */
    static JsonObject object(String text) {
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.STRICT);
        r.setNestingLimit(64);
        try {
            JsonElement tree = TREE.read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) return null;
            return tree != null && tree.isJsonObject() ? tree.getAsJsonObject() : null;
        } catch (IOException | JsonParseException | IllegalStateException | NumberFormatException e) {
            return null;
        }
    }

    /** A member that is a JSON string, or null. */
    static String string(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
    }
}
