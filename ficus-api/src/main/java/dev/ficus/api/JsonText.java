package dev.ficus.api;

/**
 * JSON string literals for the small hand-written JSON that ficus prints (config dumps, reports,
 * {@code validate -o json}): keeping those writers free of a JSON library keeps start-up fast.
 */
public final class JsonText {
    private JsonText() {
    }

    /** Appends {@code s} as a quoted, escaped JSON string. */
    public static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }

    /** {@code s} as a quoted, escaped JSON string. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        quote(b, s);
        return b.toString();
    }
}
