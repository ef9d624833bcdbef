package dev.ficus.xds.translate;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.xds.snapshot.ProxySnapshot;

import java.util.List;

/**
 * A translated snapshot and the notes on what of the configuration it does not (yet) apply, each
 * with the file, line and field path it comes from, so that a user is never surprised in silence.
 */
public record Translation(ProxySnapshot snapshot, List<Diagnostic> notes) {
    public Translation {
        notes = List.copyOf(notes);
    }
}
