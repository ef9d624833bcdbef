package dev.ficus.control.assess;

import dev.ficus.api.Durations;
import dev.ficus.api.JsonText;
import dev.ficus.control.ControlHttpServer;
import dev.ficus.control.ControlPlane;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v1/assess?window=5m} on the control plane's HTTP port: scrapes every proxy for the
 * service graph (as {@code /v1/graph} does), then assesses it against the configuration in service
 * and the connected proxies. Called on the HTTP event loop; the scrape and the assessment run off
 * it (the assessment on the common pool, as reading the connected proxies waits for the sync
 * server's push thread).
 */
public final class AssessApi implements ControlHttpServer.AsyncRoute {
    public static final String PATH = "/v1/assess";
    /** The window when the request names none: long enough to see callers that call now and then. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

    private final ControlPlane control;

    public AssessApi(ControlPlane control) {
        this.control = control;
    }

    @Override
    public CompletableFuture<ControlHttpServer.Reply> handle(FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        if (!uri.path().equals(PATH)) {
            return done(new ControlHttpServer.Reply(HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8", "no such path: " + uri.path() + "\n"));
        }
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            return done(error(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and HEAD", null));
        }
        Duration window = DEFAULT_WINDOW;
        List<String> w = uri.parameters().get("window");
        if (w != null && !w.isEmpty()) {
            try {
                window = Durations.parse(w.getLast());
            } catch (IllegalArgumentException e) {
                return done(error(HttpResponseStatus.BAD_REQUEST, e.getMessage(), "window"));
            }
        }
        Duration max = control.graphRetention();
        if (window.isZero() || window.isNegative()) return done(error(HttpResponseStatus.BAD_REQUEST, "the window must be positive", "window"));
        if (window.compareTo(max) > 0) {
            return done(error(HttpResponseStatus.BAD_REQUEST, "the window must be at most " + Durations.format(max)
                    + " (the history the control plane keeps of each proxy)", "window"));
        }
        return control.graph(window)
                .thenApplyAsync(g -> Assessor.assess(g, control.config(), control.proxies()))
                .thenApply(a -> ControlHttpServer.Reply.json(HttpResponseStatus.OK, AssessmentJson.write(a)));
    }

    private static CompletableFuture<ControlHttpServer.Reply> done(ControlHttpServer.Reply r) {
        return CompletableFuture.completedFuture(r);
    }

    private static ControlHttpServer.Reply error(HttpResponseStatus status, String message, String field) {
        return ControlHttpServer.Reply.json(status, "{\"error\":" + JsonText.quote(message) + (field == null ? "" : ",\"field\":" + JsonText.quote(field)) + "}");
    }
}
