package dev.ficus.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/**
 * Debian's {@code prometheus} server as a process for end-to-end tests: it scrapes the given
 * admin ports' {@code /stats/prometheus} every second into a store in a temporary directory and
 * answers PromQL through its HTTP API ({@code /api/v1/query}), as Grafana, Kiali and Flagger ask it.
 * Closing stops it by its PID (SIGTERM, then SIGKILL).
 */
final class PrometheusProcess implements AutoCloseable {
    /** Where Debian's package installs the server. */
    static final Path BINARY = Path.of("/usr/bin/prometheus");

    /** One series of an instant query's answer: its labels and its value. */
    record Sample(Map<String, String> labels, double value) {
        String label(String name) {
            return labels.getOrDefault(name, "");
        }
    }

    private final Process process;
    private final Path log;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private PrometheusProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    static Optional<Path> installed() {
        return Files.isExecutable(BINARY) ? Optional.of(BINARY) : Optional.empty();
    }

    /** Starts the server on {@code port}, scraping {@code targets} (host:port) every second; returns once it answers. */
    static PrometheusProcess start(Path dir, int port, List<String> targets) throws IOException {
        StringBuilder quoted = new StringBuilder();
        for (String t : targets) quoted.append(quoted.isEmpty() ? "" : ", ").append('\'').append(t).append('\'');
        Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: ficus
                    metrics_path: /stats/prometheus
                    static_configs:
                      - targets: [%s]
                """.formatted(quoted));
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(BINARY.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port)
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusProcess prometheus = new PrometheusProcess(p, log, port);
        try {
            Awaitility.await("prometheus ready on " + port).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .failFast("prometheus exited", () -> !p.isAlive())
                    .ignoreExceptions() // connection refused until it listens
                    .until(() -> prometheus.get("/-/ready").statusCode() == 200);
        } catch (RuntimeException e) {
            prometheus.close();
            throw new IllegalStateException("prometheus did not start; its log:\n" + prometheus.logTail(), e);
        }
        return prometheus;
    }

    /** An instant query evaluated at {@code atMillis} (Unix ms); its vector, or a scalar as one label-less sample. */
    List<Sample> query(String promql, long atMillis) {
        JsonObject data = data(promql, atMillis);
        List<Sample> out = new ArrayList<>();
        String type = data.get("resultType").getAsString();
        if (type.equals("scalar")) {
            out.add(new Sample(Map.of(), Double.parseDouble(data.getAsJsonArray("result").get(1).getAsString())));
            return out;
        }
        if (!type.equals("vector")) throw new IllegalStateException("not a vector: " + type + " for " + promql);
        for (JsonElement e : data.getAsJsonArray("result")) {
            JsonObject o = e.getAsJsonObject();
            out.add(new Sample(labels(o), Double.parseDouble(o.getAsJsonArray("value").get(1).getAsString())));
        }
        return out;
    }

    /**
     * The raw samples of a range selector ({@code metric{...}[30s]}) at {@code atMillis}, summed
     * over its series per scrape timestamp: one target's value at each of its scrapes.
     */
    TreeMap<Long, Double> summedSamples(String rangeSelector, long atMillis) {
        JsonObject data = data(rangeSelector, atMillis);
        TreeMap<Long, Double> sums = new TreeMap<>();
        for (JsonElement e : data.getAsJsonArray("result")) {
            for (JsonElement v : e.getAsJsonObject().getAsJsonArray("values")) {
                JsonArray pair = v.getAsJsonArray();
                long t = Math.round(pair.get(0).getAsDouble() * 1000);
                sums.merge(t, Double.parseDouble(pair.get(1).getAsString()), Double::sum);
            }
        }
        return sums;
    }

    private JsonObject data(String promql, long atMillis) {
        String body;
        try {
            HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                    + "&time=" + Instant.ofEpochMilli(atMillis));
            body = r.body();
            if (r.statusCode() != 200) throw new IllegalStateException("HTTP " + r.statusCode() + " for " + promql + ": " + body);
        } catch (IOException e) {
            throw new IllegalStateException("prometheus query failed: " + promql, e);
        }
        JsonObject answer = JsonParser.parseString(body).getAsJsonObject();
        if (!"success".equals(answer.get("status").getAsString())) throw new IllegalStateException(promql + ": " + body);
        return answer.getAsJsonObject("data");
    }

    private static Map<String, String> labels(JsonObject series) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> l : series.getAsJsonObject("metric").entrySet()) labels.put(l.getKey(), l.getValue().getAsString());
        return labels;
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        http.close();
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
