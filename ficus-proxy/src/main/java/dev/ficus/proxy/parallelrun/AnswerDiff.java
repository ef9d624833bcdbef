package dev.ficus.proxy.parallelrun;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.ficus.xds.snapshot.JsonPath;
import dev.ficus.xds.snapshot.RouteParallelRun;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Where two answers to the same request differ: the status ({@code :status}), each compared
 * header ({@code :header.NAME}), and the body: structurally when both are JSON (see
 * {@link JsonDiff}), else as bytes ({@code $}). A body over the run's limit is not compared.
 * Runs on the comparer thread; stateless.
 */
public final class AnswerDiff {
    private static final TypeAdapter<JsonElement> TREE = new Gson().getAdapter(JsonElement.class);

    private AnswerDiff() {}

    /** The differences of {@code other} from {@code stable}, at most {@code max}. */
    public static List<Difference> diff(Answer stable, Answer other, RouteParallelRun run, int max) {
        List<Difference> out = new ArrayList<>();
        if (stable.status() != other.status()) {
            out.add(Difference.flat(":status", Integer.toString(stable.status()), Integer.toString(other.status())));
        }
        for (String name : run.compareHeaders()) {
            String a = stable.headers().get(name), b = other.headers().get(name);
            if (!Objects.equals(a, b)) out.add(Difference.flat(":header." + name, cut(a), cut(b)));
        }
        if (stable.bodyTooLarge() || other.bodyTooLarge() || out.size() >= max) return out;
        for (JsonPath p : run.ignore()) if (p.steps().isEmpty()) return out; // "$": bodies are not compared
        if (json(stable.contentType()) && json(other.contentType())) {
            JsonElement a = parse(stable.body()), b = parse(other.body());
            if (a != null && b != null) {
                JsonDiff.diff(a, b, run.ignore(), max, out);
                return out;
            }
        }
        if (!Arrays.equals(stable.body(), other.body())) out.add(Difference.flat("$", text(stable.body()), text(other.body())));
        return out;
    }

    /** {@code application/json}, {@code text/json} and {@code application/*+json} (problem details, HAL ...). */
    static boolean json(String contentType) {
        if (contentType == null) return false;
        int semi = contentType.indexOf(';');
        String t = (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        return t.equals("application/json") || t.equals("text/json") || (t.startsWith("application/") && t.endsWith("+json"));
    }

    /** The body as a JSON tree, or null when it is not strict JSON (then it is compared as bytes). */
    static JsonElement parse(byte[] body) {
        if (body.length == 0) return null;
        JsonReader r = new JsonReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8));
        r.setStrictness(Strictness.STRICT);
        try {
            JsonElement e = TREE.read(r);
            return r.peek() == JsonToken.END_DOCUMENT ? e : null;
        } catch (IOException | JsonParseException | IllegalStateException e) { // the reader's nesting limit (255) bounds the depth
            return null;
        }
    }

    private static String text(byte[] body) {
        int n = Math.min(body.length, JsonDiff.MAX_VALUE_CHARS * 4);
        String s = new String(body, 0, n, StandardCharsets.UTF_8);
        if (s.length() > JsonDiff.MAX_VALUE_CHARS) return s.substring(0, JsonDiff.MAX_VALUE_CHARS) + "…";
        return n < body.length ? s + "…" : s;
    }

    private static String cut(String s) {
        if (s == null || s.length() <= JsonDiff.MAX_VALUE_CHARS) return s;
        return s.substring(0, JsonDiff.MAX_VALUE_CHARS) + "…";
    }
}
