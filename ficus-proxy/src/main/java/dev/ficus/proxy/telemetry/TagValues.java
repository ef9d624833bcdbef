package dev.ficus.proxy.telemetry;

import dev.ficus.api.telemetry.TagExpression;

/**
 * Evaluates the per-request values of Telemetry {@code tagOverrides} ({@link TagExpression}s other
 * than literals) against a finished exchange. Only edges whose overrides have such values call
 * it; a missing value is written as {@code unknown}, as Istio writes a failed expression.
 */
final class TagValues {
    private TagValues() {}

    static String evaluate(TagExpression t, Exchange ex) {
        String v = switch (t) {
            case TagExpression.Literal l -> l.value();
            case TagExpression.Header h -> ex.request() == null ? null : ex.request().headers().get(h.name());
            case TagExpression.Attribute a -> switch (a.name()) {
                case "host" -> ex.authority();
                case "method" -> ex.method();
                case "path" -> ex.path();
                case "url_path" -> {
                    String p = ex.path();
                    int q = p == null ? -1 : p.indexOf('?');
                    yield q < 0 ? p : p.substring(0, q);
                }
                case "scheme" -> "http";
                case "protocol" -> ex.protocol();
                default -> null;
            };
        };
        return v == null || v.isEmpty() ? "unknown" : v;
    }
}
