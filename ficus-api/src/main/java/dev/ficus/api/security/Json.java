package dev.ficus.api.security;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict, small JSON reader (RFC 8259) for inline JSON Web Key Sets ({@code JWTRule.jwks}) and
 * fetched ones. Objects become {@code Map<String,Object>} in document order, arrays {@code List},
 * numbers {@code Double}. Used off the event loop, when configuration or keys change.
 */
public final class Json {
    private final String text;
    private int pos;

    /** Thrown with what is wrong and the 0-based character offset where it was found. */
    public static final class JsonException extends IllegalArgumentException {
        private final int offset;

        JsonException(String message, int offset) {
            super(message + " at character " + (offset + 1));
            this.offset = offset;
        }

        public int offset() {
            return offset;
        }
    }

    private Json(String text) {
        this.text = text;
    }

    public static Object parse(String text) {
        Json j = new Json(text);
        j.skipSpace();
        Object v = j.value(0);
        j.skipSpace();
        if (j.pos != text.length()) throw new JsonException("unexpected text after the JSON value", j.pos);
        return v;
    }

    private Object value(int depth) {
        if (depth > 64) throw new JsonException("nested too deeply", pos);
        if (pos >= text.length()) throw new JsonException("unexpected end", pos);
        char c = text.charAt(pos);
        switch (c) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return string();
            case 't': return literal("true", Boolean.TRUE);
            case 'f': return literal("false", Boolean.FALSE);
            case 'n': return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw new JsonException("unexpected '" + c + "'", pos);
        }
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> out = new LinkedHashMap<>();
        pos++;
        skipSpace();
        if (peek() == '}') {
            pos++;
            return Collections.unmodifiableMap(out);
        }
        while (true) {
            skipSpace();
            if (peek() != '"') throw new JsonException("expected a quoted field name", pos);
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            out.put(key, value(depth + 1));
            skipSpace();
            char c = peek();
            pos++;
            if (c == '}') return Collections.unmodifiableMap(out);
            if (c != ',') throw new JsonException("expected ',' or '}'", pos - 1);
        }
    }

    private List<Object> array(int depth) {
        List<Object> out = new ArrayList<>();
        pos++;
        skipSpace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(out);
        }
        while (true) {
            skipSpace();
            out.add(value(depth + 1));
            skipSpace();
            char c = peek();
            pos++;
            if (c == ']') return Collections.unmodifiableList(out);
            if (c != ',') throw new JsonException("expected ',' or ']'", pos - 1);
        }
    }

    private String string() {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= text.length()) throw new JsonException("unterminated string", pos);
            char c = text.charAt(pos++);
            if (c == '"') return sb.toString();
            if (c < 0x20) throw new JsonException("control character in string", pos - 1);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) throw new JsonException("unterminated string", pos);
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) throw new JsonException("short \\u escape", pos);
                    try {
                        sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw new JsonException("bad \\u escape", pos);
                    }
                    pos += 4;
                }
                default -> throw new JsonException("bad escape '\\" + e + "'", pos - 1);
            }
        }
    }

    private Double number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
        } else if (Character.isDigit(peek())) {
            while (Character.isDigit(peek())) pos++;
        } else {
            throw new JsonException("bad number", start);
        }
        if (peek() == '.') {
            pos++;
            if (!Character.isDigit(peek())) throw new JsonException("bad number", start);
            while (Character.isDigit(peek())) pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!Character.isDigit(peek())) throw new JsonException("bad number", start);
            while (Character.isDigit(peek())) pos++;
        }
        return Double.parseDouble(text.substring(start, pos));
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) throw new JsonException("unexpected '" + text.charAt(pos) + "'", pos);
        pos += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) throw new JsonException("expected '" + c + "'", pos);
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }
}
