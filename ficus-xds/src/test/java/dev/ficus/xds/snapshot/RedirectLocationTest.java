package dev.ficus.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The Location of a redirect, built as Envoy's {@code Http::Utility::newUri} builds it. */
class RedirectLocationTest {
    static String location(RouteAction.Redirect r, String scheme, String host, String target) { return r.location(scheme, host, target); }

    @Test
    void unsetPartsKeepTheRequestsAndAPathKeepsTheQuery() {
        var keep = new RouteAction.Redirect(null, null, "/new", 301);
        assertThat(location(keep, "http", "shop:8080", "/old?a=1")).isEqualTo("http://shop:8080/new?a=1");
        assertThat(location(keep, "https", "shop", "/old")).isEqualTo("https://shop/new");
        assertThat(location(new RouteAction.Redirect(null, null, "/new?b=2", 301), "http", "shop", "/old?a=1"))
                .as("a path with its own query replaces the request's").isEqualTo("http://shop/new?b=2");
        assertThat(location(new RouteAction.Redirect(null, "other", null, 302), "http", "shop:8080", "/p?q")).isEqualTo("http://other/p?q");
    }

    @Test
    void aPortReplacesTheRequestHostsPortOrFollowsTheAuthority() {
        var port = new RouteAction.Redirect(null, null, null, 301, 8443);
        assertThat(location(port, "http", "shop:8080", "/p")).isEqualTo("http://shop:8443/p");
        assertThat(location(port, "http", "shop", "/p")).isEqualTo("http://shop:8443/p");
        assertThat(location(port, "http", "[::1]:8080", "/p")).isEqualTo("http://[::1]:8443/p");
        assertThat(location(port, "http", "[::1]", "/p")).isEqualTo("http://[::1]:8443/p");
        assertThat(location(new RouteAction.Redirect("https", "secure.shop", null, 301, 8443), "http", "shop:80", "/p")).isEqualTo("https://secure.shop:8443/p");
    }

    @Test
    void aSchemeChangeDropsTheOldSchemesDefaultPortOnly() {
        var https = new RouteAction.Redirect("https", null, null, 301);
        assertThat(location(https, "http", "shop:80", "/p")).isEqualTo("https://shop/p");
        assertThat(location(https, "http", "shop:8080", "/p")).isEqualTo("https://shop:8080/p");
        assertThat(location(new RouteAction.Redirect("http", null, null, 301), "https", "shop:443", "/p")).isEqualTo("http://shop/p");
        assertThat(location(new RouteAction.Redirect("http", null, null, 301), "http", "shop:80", "/p")).as("same scheme: kept").isEqualTo("http://shop:80/p");
    }

    @Test
    void aPortOutOfRangeIsRefused() {
        assertThatThrownBy(() -> new RouteAction.Redirect(null, null, null, 301, 70000)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new RouteAction.Redirect(null, null, null, 301, null).port()).isZero();
    }
}
