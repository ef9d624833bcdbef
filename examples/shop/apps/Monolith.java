// The legacy shop: one process that serves pages, the product catalogue, the cart and (for
// historical reasons) product reviews. JDK only; run it with `java Monolith.java`.
//
// Environment:
//   PORT        where to listen on 127.0.0.1 (default 19180)
//   HTTP_PROXY  e.g. http://127.0.0.1:15001: call the reviews service through the mesh. Unset, the
//               home page calls this process's own /api/reviews, as it did before the mesh.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Monolith {
    record Product(int id, String name, int priceCents, String description) {
        String json() {
            return "{\"id\":" + id + ",\"name\":" + Json.str(name) + ",\"price\":" + price()
                    + ",\"description\":" + Json.str(description) + "}";
        }

        String price() {
            return String.format("%d.%02d", priceCents / 100, priceCents % 100);
        }
    }

    static final List<Product> PRODUCTS = List.of(
            new Product(1, "Fig tree (potted)", 2499, "A young Ficus carica, ready for a sunny window."),
            new Product(2, "Strangler fig seeds", 499, "Ficus aurea. Plant beside something old and wait."),
            new Product(3, "Pruning shears", 1850, "Sharp enough for roots that have outgrown their host."),
            new Product(4, "Terracotta pot", 1200, "Unglazed, 30 cm. Lets the roots breathe."));

    /** The monolith's own reviews, from before the reviews service was carved out. */
    static final Map<Integer, List<String>> REVIEWS = Map.of(
            1, List.of("Arrived healthy, already two figs on it.", "Smaller than I expected."),
            2, List.of("Took a year to sprout, then it would not stop."),
            3, List.of("Does the job."));

    /** The cart: product id to quantity, in the order items were first added. */
    static final Map<Integer, Integer> CART = new LinkedHashMap<>();

    static final String REVIEWS_HOST = "reviews.shop.svc.cluster.local:9080";

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "19180"));
        String proxy = System.getenv("HTTP_PROXY");
        HttpClient.Builder client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2));
        String reviewsBase;
        if (proxy != null && !proxy.isBlank()) {
            URI p = URI.create(proxy);
            client.proxy(ProxySelector.of(new InetSocketAddress(p.getHost(), p.getPort() < 0 ? 80 : p.getPort())));
            reviewsBase = "http://" + REVIEWS_HOST;
        } else {
            reviewsBase = "http://127.0.0.1:" + port;
        }
        Monolith shop = new Monolith(client.build(), reviewsBase);

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", shop::handle);
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
        System.out.println("monolith listening on 127.0.0.1:" + port
                + (proxy == null || proxy.isBlank() ? "" : " (reviews via " + proxy + ")"));
    }

    private static final Pattern PRODUCT = Pattern.compile("/api/products/(\\d{1,9})");
    private static final Pattern REVIEW = Pattern.compile("/api/reviews/(\\d{1,9})");

    private final HttpClient client;
    private final String reviewsBase;

    Monolith(HttpClient client, String reviewsBase) {
        this.client = client;
        this.reviewsBase = reviewsBase;
    }

    void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            ex.getResponseHeaders().set("x-served-by", "monolith");
            Matcher m;
            if (path.equals("/healthz")) {
                send(ex, 200, "text/plain", "ok");
            } else if (!method.equals("GET") && !(method.equals("POST") && path.equals("/api/cart"))) {
                send(ex, 405, "application/json", Json.error("method " + method + " not allowed on " + path));
            } else if (path.equals("/")) {
                send(ex, 200, "text/html; charset=utf-8", home());
            } else if (path.equals("/products")) {
                send(ex, 200, "text/html; charset=utf-8", productsPage());
            } else if (path.equals("/api/products")) {
                send(ex, 200, "application/json", "[" + String.join(",", PRODUCTS.stream().map(Product::json).toList()) + "]");
            } else if ((m = PRODUCT.matcher(path)).matches()) {
                Product p = product(Integer.parseInt(m.group(1)));
                if (p == null) send(ex, 404, "application/json", Json.error("no product " + m.group(1)));
                else send(ex, 200, "application/json", p.json());
            } else if (path.equals("/api/cart")) {
                if (method.equals("POST")) addToCart(ex);
                else send(ex, 200, "application/json", cartJson());
            } else if ((m = REVIEW.matcher(path)).matches()) {
                int id = Integer.parseInt(m.group(1));
                List<String> texts = REVIEWS.getOrDefault(id, List.of());
                send(ex, 200, "application/json", "{\"productId\":" + id + ",\"reviews\":["
                        + String.join(",", texts.stream().map(t -> "{\"text\":" + Json.str(t) + "}").toList())
                        + "],\"source\":\"monolith\"}");
            } else if (path.startsWith("/api/")) {
                send(ex, 404, "application/json", Json.error("no such endpoint: " + path));
            } else {
                send(ex, 404, "text/plain", "not found: " + path);
            }
        } catch (RuntimeException e) {
            send(ex, 500, "application/json", Json.error(e.toString()));
        } finally {
            ex.close();
        }
    }

    private static Product product(int id) {
        return PRODUCTS.stream().filter(p -> p.id() == id).findFirst().orElse(null);
    }

    private void addToCart(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Matcher id = Pattern.compile("\"productId\"\\s*:\\s*(\\d{1,9})").matcher(body);
        Matcher qty = Pattern.compile("\"quantity\"\\s*:\\s*(-?\\d{1,9})").matcher(body);
        if (!id.find()) {
            send(ex, 400, "application/json", Json.error("send {\"productId\": N, \"quantity\": N}"));
            return;
        }
        int productId = Integer.parseInt(id.group(1));
        if (product(productId) == null) {
            send(ex, 404, "application/json", Json.error("no product " + productId));
            return;
        }
        int quantity = qty.find() ? Integer.parseInt(qty.group(1)) : 1;
        if (quantity < 1 || quantity > 100) {
            send(ex, 400, "application/json", Json.error("quantity must be 1..100"));
            return;
        }
        String cart;
        synchronized (CART) {
            CART.merge(productId, quantity, Integer::sum);
            cart = cartJson();
        }
        send(ex, 200, "application/json", cart);
    }

    private static String cartJson() {
        synchronized (CART) {
            List<String> items = new ArrayList<>();
            int total = 0;
            for (var e : CART.entrySet()) {
                Product p = product(e.getKey());
                items.add("{\"productId\":" + p.id() + ",\"name\":" + Json.str(p.name()) + ",\"quantity\":" + e.getValue() + "}");
                total += p.priceCents() * e.getValue();
            }
            return "{\"items\":[" + String.join(",", items) + "],\"total\":" + String.format("%d.%02d", total / 100, total % 100) + "}";
        }
    }

    /** The home page asks the reviews API for every product at once; a failed call shows as such. */
    private String home() {
        List<CompletableFuture<String>> reviews = new ArrayList<>();
        for (Product p : PRODUCTS) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(reviewsBase + "/api/reviews/" + p.id()))
                    .timeout(Duration.ofSeconds(3)).GET().build();
            reviews.add(client.sendAsync(req, HttpResponse.BodyHandlers.ofString())
                    .thenApply(Monolith::reviewsHtml)
                    .exceptionally(e -> "<p class=\"error\">reviews unavailable: " + Html.esc(String.valueOf(e.getCause() != null ? e.getCause() : e)) + "</p>"));
        }
        StringBuilder b = new StringBuilder(Html.head("Fig &amp; Co."));
        b.append("<h1>Fig &amp; Co.</h1>\n<p><a href=\"/products\">All products</a> · <a href=\"/api/cart\">Cart</a></p>\n");
        for (int i = 0; i < PRODUCTS.size(); i++) {
            Product p = PRODUCTS.get(i);
            b.append("<div class=\"product\">\n<h2><a href=\"/api/products/").append(p.id()).append("\">")
                    .append(Html.esc(p.name())).append("</a> — $").append(p.price()).append("</h2>\n")
                    .append(reviews.get(i).join()).append("</div>\n");
        }
        return b.append("</body></html>\n").toString();
    }

    private static final Pattern TEXT = Pattern.compile("\"text\":\"((?:[^\"\\\\]|\\\\.)*)\"(?:,\"stars\":(\\d))?");
    private static final Pattern SOURCE = Pattern.compile("\"source\":\"([^\"]*)\"");

    private static String reviewsHtml(HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            // A reply of the mesh's own (no healthy instance, connect failure ...) says so in x-ficus-error.
            String from = r.headers().firstValue("x-ficus-error").map(e -> "the mesh (" + e + ")")
                    .or(() -> r.headers().firstValue("x-served-by")).orElse("unknown");
            return "<p class=\"error\">reviews unavailable: HTTP " + r.statusCode() + " from " + Html.esc(from) + "</p>\n";
        }
        Matcher source = SOURCE.matcher(r.body());
        StringBuilder b = new StringBuilder("<ul>\n");
        Matcher t = TEXT.matcher(r.body());
        int n = 0;
        while (t.find()) {
            n++;
            b.append("<li>").append(Html.esc(Json.unescape(t.group(1))));
            if (t.group(2) != null) b.append(" ").append("★".repeat(Integer.parseInt(t.group(2))));
            b.append("</li>\n");
        }
        if (n == 0) b.append("<li>No reviews yet.</li>\n");
        return b.append("</ul>\n<p class=\"source\">reviews from: <b>")
                .append(Html.esc(source.find() ? source.group(1) : "unknown")).append("</b></p>\n").toString();
    }

    private static String productsPage() {
        StringBuilder b = new StringBuilder(Html.head("Products"));
        b.append("<h1>Products</h1>\n<table>\n<tr><th>#</th><th>Name</th><th>Price</th><th>Description</th></tr>\n");
        for (Product p : PRODUCTS) {
            b.append("<tr><td>").append(p.id()).append("</td><td><a href=\"/api/products/").append(p.id()).append("\">")
                    .append(Html.esc(p.name())).append("</a></td><td>$").append(p.price()).append("</td><td>")
                    .append(Html.esc(p.description())).append("</td></tr>\n");
        }
        return b.append("</table>\n<p><a href=\"/\">Home</a></p>\n</body></html>\n").toString();
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", contentType);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) ex.getResponseBody().write(bytes);
    }

    static final class Json {
        static String str(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    default -> {
                        if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                        else b.append(c);
                    }
                }
            }
            return b.append('"').toString();
        }

        static String unescape(String s) {
            return s.replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\");
        }

        static String error(String message) {
            return "{\"error\":" + str(message) + "}";
        }
    }

    static final class Html {
        static String esc(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }

        static String head(String title) {
            return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title>\n"
                    + "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}"
                    + ".source{color:#666;font-size:90%}.error{color:#b00}</style></head><body>\n";
        }
    }
}
