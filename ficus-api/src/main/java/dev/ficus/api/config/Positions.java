package dev.ficus.api.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Where each field path of one YAML document stands in its file, so that checks which run on the
 * typed records can still point at a line and column. Paths look like
 * {@code spec.http[0].route[1].weight}; a mapping field maps to its key, a list item to its value.
 */
public final class Positions {
    private final Map<String, Long> marks = new HashMap<>();
    private final String file;

    public Positions(String file) {
        this.file = file;
    }

    public String file() {
        return file;
    }

    /** Records a 1-based line and column for a path; the first record wins. */
    public void put(String path, int line, int column) {
        marks.putIfAbsent(path, ((long) line << 32) | (column & 0xffffffffL));
    }

    /**
     * The position of a path, or of its nearest recorded ancestor when the path itself is absent
     * (a missing field is reported where its parent stands).
     */
    public long find(String path) {
        String p = path;
        while (true) {
            Long m = marks.get(p);
            if (m != null) return m;
            if (p.isEmpty()) return 0L;
            p = parent(p);
        }
    }

    public static int line(long mark) {
        return (int) (mark >>> 32);
    }

    public static int column(long mark) {
        return (int) mark;
    }

    static String parent(String path) {
        if (path.endsWith("\"]")) {
            int open = path.lastIndexOf("[\"");
            return open <= 0 ? "" : path.substring(0, open);
        }
        int dot = path.lastIndexOf('.');
        int bracket = path.lastIndexOf('[');
        int cut = Math.max(dot, bracket);
        return cut <= 0 ? "" : path.substring(0, cut);
    }
}
