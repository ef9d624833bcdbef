package dev.ficus.proxy.telemetry;

/**
 * Values of Telemetry {@code tagOverrides}. Istio evaluates a CEL expression per request; ficus
 * resolves label sets once per edge, so it takes string literals ({@code "'v2'"} or
 * {@code "\"v2\""}) and writes any other expression as {@code unknown} (the validator warns).
 */
final class TagValues {
    private TagValues() {}

    static String literal(String expr) {
        String e = expr.strip();
        if (e.length() >= 2 && (e.charAt(0) == '\'' || e.charAt(0) == '"') && e.charAt(e.length() - 1) == e.charAt(0)) return e.substring(1, e.length() - 1);
        return "unknown";
    }
}
