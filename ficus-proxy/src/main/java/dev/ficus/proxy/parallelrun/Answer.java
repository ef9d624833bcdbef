package dev.ficus.proxy.parallelrun;

import java.util.Map;
import java.util.Objects;

/**
 * One upstream's answer as a parallel run keeps it for the comparison: built on an event loop by
 * {@link AnswerCapture}, then only read, by the comparer thread.
 *
 * @param status       the HTTP status
 * @param headers      the compared headers the answer carries (lower-case name; values joined by {@code ,})
 * @param contentType  its {@code content-type}, or null: tells whether the body is compared as JSON
 * @param body         the body, or null when it was larger than the run's limit (then only status and headers are compared)
 */
public record Answer(int status, Map<String, String> headers, String contentType, byte[] body) {
    public Answer {
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
    }

    /** Whether the body was too large to keep. */
    public boolean bodyTooLarge() { return body == null; }
}
