// The reviews service, carved out of the monolith. JDK only; run it with `java Reviews.java`.
// Version v1 answers as the monolith did; v2 adds star ratings. Every answer carries a random
// "requestId" (a field that differs on every call, as real services have).
//
// Environment:
//   PORT     where to listen on 127.0.0.1 (default 19181)
//   VERSION  v1, v2 or v3 (default v1); answers carry "source":"reviews-<VERSION>"
//   FAIL_PERCENT  share of review requests answered 500 (default 0): v3 ships with 30, a faulty
//                 release for a canary to catch
//   DELAY_MS      added to every review answer (default 0)

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Reviews {
    record Review(String text, int stars) {
    }

    static final Map<Integer, List<Review>> REVIEWS = Map.of(
            1, List.of(new Review("Arrived healthy, already two figs on it.", 5), new Review("Smaller than I expected.", 3)),
            2, List.of(new Review("Took a year to sprout, then it would not stop.", 4)),
            3, List.of(new Review("Does the job.", 4)));

    private static final Pattern REVIEW = Pattern.compile("/api/reviews/(\\d{1,9})");

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "19181"));
        String version = System.getenv().getOrDefault("VERSION", "v1");
        String name = "reviews-" + version;
        boolean stars = !version.equals("v1");
        int failPercent = Integer.parseInt(System.getenv().getOrDefault("FAIL_PERCENT", "0"));
        long delayMs = Long.parseLong(System.getenv().getOrDefault("DELAY_MS", "0"));

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> handle(ex, name, stars, failPercent, delayMs));
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
        System.out.println(name + " listening on 127.0.0.1:" + port
                + (failPercent > 0 ? " (failing " + failPercent + "% of review requests)" : "") + (delayMs > 0 ? " (+" + delayMs + " ms)" : ""));
    }

    static void handle(HttpExchange ex, String name, boolean stars, int failPercent, long delayMs) throws IOException {
        try {
            ex.getResponseHeaders().set("x-served-by", name);
            String path = ex.getRequestURI().getPath();
            Matcher m = REVIEW.matcher(path);
            if (path.equals("/healthz")) {
                send(ex, 200, "text/plain", "ok");
            } else if (!ex.getRequestMethod().equals("GET")) {
                send(ex, 405, "application/json", "{\"error\":\"only GET\"}");
            } else if (m.matches() && failPercent > 0 && java.util.concurrent.ThreadLocalRandom.current().nextInt(100) < failPercent) {
                send(ex, 500, "application/json", "{\"error\":\"" + name + " failed\"}");
            } else if (m.matches()) {
                if (delayMs > 0) Thread.sleep(delayMs);
                int id = Integer.parseInt(m.group(1));
                List<String> items = new ArrayList<>();
                for (Review r : REVIEWS.getOrDefault(id, List.of())) {
                    items.add("{\"text\":\"" + r.text().replace("\\", "\\\\").replace("\"", "\\\"") + "\""
                            + (stars ? ",\"stars\":" + r.stars() : "") + "}");
                }
                send(ex, 200, "application/json", "{\"productId\":" + id + ",\"requestId\":\"" + java.util.UUID.randomUUID()
                        + "\",\"reviews\":[" + String.join(",", items) + "],\"source\":\"" + name + "\"}");
            } else {
                send(ex, 404, "application/json", "{\"error\":\"no such endpoint\"}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(ex, 503, "application/json", "{\"error\":\"stopping\"}");
        } catch (RuntimeException e) {
            send(ex, 500, "application/json", "{\"error\":\"internal error\"}");
        } finally {
            ex.close();
        }
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }
}
