package dev.ficus.api.networking;

import dev.ficus.api.bind.Deprecated;
import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Unsupported;
import dev.ficus.api.bind.YamlName;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One HTTP rule of a VirtualService: match conditions (OR of AND blocks) and what to do with a
 * matching request — forward ({@code route}), {@code redirect}, answer ({@code directResponse}) or
 * hand over to a {@code delegate} VirtualService — plus the filters around the upstream call.
 *
 * @param timeout       whole-request timeout; 0s disables it
 * @param mirrorPercent deprecated integer form of {@code mirrorPercentage}
 */
@OneOf({"route", "redirect", "directResponse", "delegate"})
@OneOf({"mirror", "mirrors"})
public record HTTPRoute(
        String name,
        List<HTTPMatchRequest> match,
        List<HTTPRouteDestination> route,
        HTTPRedirect redirect,
        HTTPDirectResponse directResponse,
        @Unsupported("delegate VirtualServices are not merged by ficus yet; write the routes in the root") Delegate delegate,
        HTTPRewrite rewrite,
        Duration timeout,
        HTTPRetry retries,
        HTTPFaultInjection fault,
        Destination mirror,
        List<HTTPMirrorPolicy> mirrors,
        @Deprecated(use = "mirrorPercentage.value") Integer mirrorPercent,
        @YamlName("mirror_percent") @Deprecated(use = "mirrorPercentage.value") Integer mirrorPercentSnake,
        Percent mirrorPercentage,
        CorsPolicy corsPolicy,
        Headers headers) {

    /**
     * The percentage of requests copied to {@code mirror}: {@code mirrorPercentage}, else the
     * deprecated integer {@code mirrorPercent}/{@code mirror_percent}, else 100 (Istio's default).
     */
    public double effectiveMirrorPercentage() {
        if (mirrorPercentage != null && mirrorPercentage.value() != null) return mirrorPercentage.value();
        if (mirrorPercent != null) return mirrorPercent;
        if (mirrorPercentSnake != null) return mirrorPercentSnake;
        return 100.0;
    }

    /**
     * Every mirror of this route as one list: {@code mirrors}, or the single {@code mirror} with its
     * effective percentage. The data plane copies a request to each of them.
     */
    public List<HTTPMirrorPolicy> effectiveMirrors() {
        if (!mirrors.isEmpty()) return mirrors;
        if (mirror == null) return List.of();
        List<HTTPMirrorPolicy> one = new ArrayList<>(1);
        one.add(new HTTPMirrorPolicy(mirror, new Percent(effectiveMirrorPercentage())));
        return List.copyOf(one);
    }
}
