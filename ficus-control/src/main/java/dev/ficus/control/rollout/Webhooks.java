package dev.ficus.control.rollout;

import dev.ficus.api.JsonText;
import dev.ficus.api.Resource;
import dev.ficus.api.mesh.Rollout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Calls a rollout's webhooks as Flagger does: an HTTP POST of a JSON payload (name, namespace,
 * phase, type, step, weight, metadata); 2xx is yes, anything else (or no answer within the
 * webhook's timeout) is no.
 */
final class Webhooks {
    private final HttpClient http;

    Webhooks(HttpClient http) {
        this.http = http;
    }

    /** One webhook's answer. */
    record Answer(String name, boolean ok, String detail) {
    }

    /** Calls every webhook of {@code type}, in parallel; completes (never exceptionally) when all answered. */
    CompletableFuture<List<Answer>> call(Resource<Rollout> r, String type, RolloutState state) {
        List<CompletableFuture<Answer>> calls = new ArrayList<>();
        for (Rollout.Webhook w : r.spec().analysisOrDefault().webhooks()) {
            if (!w.typeOrDefault().equals(type)) continue;
            calls.add(post(r, w, state));
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(x -> calls.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<Answer> post(Resource<Rollout> r, Rollout.Webhook w, RolloutState state) {
        String body = payload(r, w, state);
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(w.url())).timeout(w.timeoutOrDefault())
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Answer(w.name(), false, "bad URL: " + e.getMessage()));
        }
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).handle((res, t) -> {
            if (t != null) return new Answer(w.name(), false, "no answer: " + Checker.rootMessage(t));
            boolean ok = res.statusCode() / 100 == 2;
            String text = res.body() == null ? "" : res.body().strip();
            if (text.length() > 200) text = text.substring(0, 200) + "…";
            return new Answer(w.name(), ok, "HTTP " + res.statusCode() + (text.isEmpty() ? "" : " " + text));
        });
    }

    static String payload(Resource<Rollout> r, Rollout.Webhook w, RolloutState state) {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"name\":").append(JsonText.quote(r.name()))
                .append(",\"namespace\":").append(JsonText.quote(r.namespace()))
                .append(",\"type\":").append(JsonText.quote(w.typeOrDefault()))
                .append(",\"strategy\":").append(JsonText.quote(r.spec().strategy().name()));
        if (state != null) {
            b.append(",\"phase\":").append(JsonText.quote(state.progress().phase().label()))
                    .append(",\"step\":").append(state.progress().step())
                    .append(",\"weight\":").append(state.progress().weight())
                    .append(",\"revision\":").append(JsonText.quote(state.revision()));
        }
        b.append(",\"metadata\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : w.metadata().entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append(JsonText.quote(e.getKey())).append(':').append(JsonText.quote(e.getValue()));
        }
        return b.append("}}").toString();
    }
}
