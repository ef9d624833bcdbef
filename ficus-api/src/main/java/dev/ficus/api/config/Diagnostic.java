package dev.ficus.api.config;

/**
 * One problem in the configuration, printed as
 * {@code file:line:column: error|warning: Kind/name field.path: message}. Line and column are
 * 1-based; 0 means unknown (e.g. stdin that could not be read).
 *
 * @param subject {@code Kind/name} of the resource, or empty when the problem is not inside one
 *                (a YAML syntax error, an unreadable file)
 * @param path    the field path inside the resource, e.g. {@code spec.http[0].route[1].weight};
 *                empty for the resource as a whole
 */
public record Diagnostic(String file, int line, int column, Severity severity, String subject, String path,
                         String message) implements Comparable<Diagnostic> {

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** The one-line form users and editors read. */
    public String format() {
        var sb = new StringBuilder(96);
        sb.append(file);
        if (line > 0) {
            sb.append(':').append(line).append(':').append(Math.max(column, 1));
        }
        sb.append(": ").append(severity.label()).append(": ");
        if (!subject.isEmpty()) {
            sb.append(subject).append(' ');
        }
        if (!path.isEmpty()) {
            sb.append(path).append(": ");
        } else if (!subject.isEmpty()) {
            sb.setLength(sb.length() - 1);
            sb.append(": ");
        }
        sb.append(message);
        return sb.toString();
    }

    @Override
    public int compareTo(Diagnostic o) {
        int c = file.compareTo(o.file);
        if (c != 0) return c;
        c = Integer.compare(line, o.line);
        if (c != 0) return c;
        c = Integer.compare(column, o.column);
        if (c != 0) return c;
        return format().compareTo(o.format());
    }

    @Override
    public String toString() {
        return format();
    }
}
