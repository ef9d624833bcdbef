package dev.ficus.api.networking;

import java.util.List;
import java.util.Map;

/** Header changes on the way to the upstream ({@code request}) and back to the caller ({@code response}). */
public record Headers(HeaderOperations request, HeaderOperations response) {

    /** Overwrite ({@code set}), append ({@code add}) and remove headers, in that order. */
    public record HeaderOperations(Map<String, String> set, Map<String, String> add, List<String> remove) {
    }
}
