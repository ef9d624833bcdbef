package dev.ficus.cli;

import dev.ficus.api.config.Diagnostic;

import java.util.List;

/** The little JSON the CLI prints; written by hand to keep start-up fast and dependencies few. */
final class Json {
    private Json() {
    }

    static String diagnostics(List<Diagnostic> list, int resources, long errors, long warnings) {
        StringBuilder sb = new StringBuilder(128 + list.size() * 160);
        sb.append("{\"resources\":").append(resources)
                .append(",\"errors\":").append(errors)
                .append(",\"warnings\":").append(warnings)
                .append(",\"diagnostics\":[");
        for (int i = 0; i < list.size(); i++) {
            Diagnostic d = list.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"file\":").append(str(d.file()))
                    .append(",\"line\":").append(d.line())
                    .append(",\"column\":").append(d.column())
                    .append(",\"severity\":").append(str(d.severity().label()))
                    .append(",\"subject\":").append(str(d.subject()))
                    .append(",\"path\":").append(str(d.path()))
                    .append(",\"message\":").append(str(d.message()))
                    .append('}');
        }
        return sb.append("]}").toString();
    }

    static String str(String s) {
        return dev.ficus.api.JsonText.quote(s);
    }
}
