package dev.ficus.api;

import dev.ficus.api.config.Positions;

/**
 * Where a resource was read from: its file, the line its document starts on, field positions, and
 * a fingerprint of the document's text (so that a snapshot version can be computed without
 * walking the records).
 */
public record Origin(String file, int line, int column, Positions positions, String fingerprint) {

    public static Origin synthetic(String label) {
        return new Origin(label, 0, 0, new Positions(label), "");
    }

    @Override
    public String toString() {
        return file + ":" + line;
    }
}
