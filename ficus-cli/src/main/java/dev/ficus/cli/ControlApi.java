package dev.ficus.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Requests to the control plane's HTTP port, as the commands that read it ({@code graph},
 * {@code assess}, {@code rollout}) make them, with the messages a user gets when it fails.
 */
final class ControlApi {
    private ControlApi() {
    }

    /** The control plane could not be reached or refused: the message is the line for the user. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    /** The body of a 200 answer to {@code GET path}; anything else is a {@link Failure}. */
    static String get(String control, String path, Duration timeout) throws Failure, InterruptedException {
        HttpResponse<String> r = send(control, "GET", path, timeout);
        if (r.statusCode() != 200) throw new Failure(control + " answered " + r.statusCode() + ": " + errorOf(r.body()));
        return r.body();
    }

    /** Any answer to {@code METHOD path}; only an unreachable control plane is a {@link Failure}. */
    static HttpResponse<String> send(String control, String method, String path, Duration timeout) throws Failure, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + control + path)).timeout(timeout)
                    .method(method, HttpRequest.BodyPublishers.noBody()).build();
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failure("cannot reach a control plane at http://" + control + " (" + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName())
                    + "); is `ficus control` or `ficus up` running? see --control");
        }
    }

    /** The {@code error} of a JSON error body, else the body's first line. */
    static String errorOf(String body) {
        try {
            JsonElement e = JsonParser.parseString(body).getAsJsonObject().get("error");
            if (e != null && e.isJsonPrimitive()) return e.getAsString();
        } catch (RuntimeException notJson) {
            // plain text
        }
        String s = body.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
