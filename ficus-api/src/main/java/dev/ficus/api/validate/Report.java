package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.config.Diagnostics;
import dev.ficus.api.config.Positions;
import dev.ficus.api.config.Severity;

/** Reports problems of one resource at the position of a field path. */
public final class Report {
    private final Resource<?> resource;
    private final Diagnostics out;

    Report(Resource<?> resource, Diagnostics out) {
        this.resource = resource;
        this.out = out;
    }

    public void error(String path, String message) {
        add(Severity.ERROR, path, message);
    }

    public void warning(String path, String message) {
        add(Severity.WARNING, path, message);
    }

    public Resource<?> resource() {
        return resource;
    }

    private void add(Severity severity, String path, String message) {
        long mark = resource.origin().positions().find(path);
        int line = Positions.line(mark);
        int column = Positions.column(mark);
        if (line == 0) {
            line = resource.origin().line();
            column = resource.origin().column();
        }
        out.add(new Diagnostic(resource.origin().file(), line, column, severity, resource.subject(), path, message));
    }
}
