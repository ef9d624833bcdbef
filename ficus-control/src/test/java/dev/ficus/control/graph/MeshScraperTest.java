package dev.ficus.control.graph;

import dev.ficus.xds.sync.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scraper with a fake fetcher and a fake clock: rates over two scrapes, a proxy that answers
 * garbage or nothing at all beside one that answers well, bounded concurrency, proxies without an
 * admin port, proxies that leave and come back.
 */
class MeshScraperTest {
    static final String REVIEWS = "reviews.shop.svc.cluster.local";
    static final long S = 1_000_000_000L;
    final AtomicLong now = new AtomicLong();
    final Map<Integer, Supplier<CompletableFuture<String>>> answers = new ConcurrentHashMap<>();
    final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    MeshScraper scraper;

    MeshScraper start(ScrapeConfig config) {
        scraper = MeshScraper.forTest(config, (host, port) -> {
            assertThat(host).isEqualTo("127.0.0.1");
            return answers.get(port).get();
        }, now::get, InstantSource.fixed(Instant.parse("2025-01-01T00:00:00Z")));
        return scraper;
    }

    MeshScraper start() {
        return start(ScrapeConfig.DEFAULTS.withTimeout(Duration.ofMillis(300)).withFresh(Duration.ZERO));
    }

    @AfterEach
    void stop() {
        if (scraper != null) scraper.close();
        later.shutdownNow();
    }

    static Node node(String id, String workload, Integer admin) {
        return new Node(id, List.of(workload), "shop", Map.of(), "test", null, admin);
    }

    void answer(int port, String text) {
        answers.put(port, () -> CompletableFuture.completedFuture(text));
    }

    static String web(long requests) {
        return new IstioText().http(IstioText.source("shop/web", "shop/reviews-v1", REVIEWS), 200, "-", "unknown", requests, IstioText.all(requests, 5)).text();
    }

    static String reviews(long requests) {
        return new IstioText().http(IstioText.destination("shop/web", "shop/reviews-v1", REVIEWS), 200, "-", "mutual_tls", requests, IstioText.all(requests, 5)).text();
    }

    ServiceGraph graph(Duration window) throws Exception {
        return scraper.graph(window).get(10, TimeUnit.SECONDS);
    }

    @Test
    void ratesComeFromTwoScrapesOfEveryProxy() throws Exception {
        start();
        scraper.connected(node("1@a", "web", 1001), "127.0.0.1:50001");
        scraper.connected(node("2@a", "reviews-v1", 1002), "127.0.0.1:50002");
        answer(1001, web(100));
        answer(1002, reviews(100));
        scraper.scrapeNow().get(5, TimeUnit.SECONDS);
        ServiceGraph first = graph(Duration.ofSeconds(30));
        assertThat(first.edges()).as("one sample per proxy: no rate yet").isEmpty();

        now.set(30 * S);
        answer(1001, web(400));
        answer(1002, reviews(430));
        ServiceGraph g = graph(Duration.ofSeconds(30));
        assertThat(g.edges()).singleElement().satisfies(e -> {
            assertThat(e.reporter()).isEqualTo(EdgeKey.Reporter.DESTINATION);
            assertThat(e.requests()).isEqualTo(330);
            assertThat(e.rps()).isEqualTo(11.0);
            assertThat(e.security()).isEqualTo(ServiceGraph.Security.MUTUAL_TLS);
        });
        assertThat(g.proxies()).extracting(ServiceGraph.ProxyState::admin).containsExactly("127.0.0.1:1001", "127.0.0.1:1002");
        assertThat(g.proxies()).allSatisfy(p -> {
            assertThat(p.error()).isNull();
            assertThat(p.spanSeconds()).isEqualTo(30.0);
            assertThat(p.lastScrape()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
        });
    }

    @Test
    void aProxyWithMalformedMetricsIsNamedAndTheGraphAnswersWithTheOthers() throws Exception {
        start();
        scraper.connected(node("1@a", "web", 1001), "127.0.0.1:50001");
        scraper.connected(node("2@a", "reviews-v1", 1002), "127.0.0.1:50002");
        answer(1001, web(0));
        answer(1002, "istio_requests_total{reporter=\"destination\" 3\n");
        scraper.scrapeNow().get(5, TimeUnit.SECONDS);
        now.set(10 * S);
        answer(1001, web(50));
        ServiceGraph g = graph(Duration.ofSeconds(10));
        assertThat(g.edges()).singleElement().satisfies(e -> {
            assertThat(e.reporter()).as("the destination could not be read: the source's account").isEqualTo(EdgeKey.Reporter.SOURCE);
            assertThat(e.rps()).isEqualTo(5.0);
            assertThat(e.security()).isEqualTo(ServiceGraph.Security.UNKNOWN_NOT_SCRAPED);
        });
        assertThat(g.proxies().get(1).error()).isEqualTo("malformed metrics from 127.0.0.1:1002: line 1, column 45: expected ',' or '}' after the value of label reporter");
        assertThat(g.proxies().get(0).error()).isNull();
    }

    @Test
    void aProxyThatNeverAnswersCostsOneTimeoutAndIsNamed() throws Exception {
        start();
        java.util.concurrent.atomic.AtomicReference<CompletableFuture<String>> never = new java.util.concurrent.atomic.AtomicReference<>();
        scraper.connected(node("1@a", "web", 1001), "127.0.0.1:50001");
        scraper.connected(node("3@a", "stuck", 1003), "127.0.0.1:50003");
        answer(1001, web(0));
        answers.put(1003, () -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            never.set(f);
            return f;
        });
        scraper.scrapeNow().get(5, TimeUnit.SECONDS);
        now.set(10 * S);
        answer(1001, web(20));
        long t0 = System.nanoTime();
        ServiceGraph g = graph(Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
        assertThat(g.edges()).singleElement().satisfies(e -> assertThat(e.rps()).isEqualTo(2.0));
        assertThat(g.proxies().get(1).error()).isEqualTo("no answer from 127.0.0.1:1003 within 300ms");
        assertThat(never.get()).as("the exchange is abandoned").isCancelled();
    }

    @Test
    void noMoreThanConcurrencyScrapesAtOnce() throws Exception {
        start(ScrapeConfig.DEFAULTS.withConcurrency(3).withFresh(Duration.ZERO));
        AtomicInteger inFlight = new AtomicInteger(), most = new AtomicInteger(), fetched = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            int port = 2000 + i;
            scraper.connected(node(i + "@a", "w" + i, port), "127.0.0.1:" + (40000 + i));
            answers.put(port, () -> {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                fetched.incrementAndGet();
                CompletableFuture<String> f = new CompletableFuture<>();
                later.schedule(() -> {
                    inFlight.decrementAndGet();
                    f.complete(web(1));
                }, 20, TimeUnit.MILLISECONDS);
                return f;
            });
        }
        scraper.scrapeNow().get(5, TimeUnit.SECONDS);
        assertThat(fetched.get()).isEqualTo(10);
        assertThat(most.get()).isEqualTo(3);
        assertThat(graph(Duration.ofSeconds(30)).proxies()).allSatisfy(p -> assertThat(p.samples()).isGreaterThanOrEqualTo(1));
    }

    @Test
    void aProxyWithoutAnAdminPortIsNamedAndNotAsked() throws Exception {
        start();
        scraper.connected(node("1@a", "web", null), "127.0.0.1:50001");
        ServiceGraph g = graph(Duration.ofSeconds(30));
        assertThat(g.proxies()).singleElement().satisfies(p -> {
            assertThat(p.admin()).isNull();
            assertThat(p.error()).startsWith("announced no admin port");
        });
    }

    @Test
    void aProxyThatLeavesIsDroppedAndOneThatComesBackKeepsItsHistory() throws Exception {
        start();
        scraper.connected(node("1@a", "web", 1001), "127.0.0.1:50001");
        answer(1001, web(0));
        scraper.scrapeNow().get(5, TimeUnit.SECONDS);
        scraper.disconnected("1@a");
        assertThat(graph(Duration.ofSeconds(30)).proxies()).isEmpty();

        scraper.connected(node("1@a", "web", 1001), "127.0.0.1:50009"); // the stream came back
        now.set(15 * S);
        answer(1001, web(30));
        ServiceGraph g = graph(Duration.ofSeconds(30));
        assertThat(g.proxies()).singleElement().satisfies(p -> assertThat(p.samples()).isEqualTo(2));
        assertThat(g.edges()).singleElement().satisfies(e -> assertThat(e.rps()).isEqualTo(2.0));
    }

    @Test
    void aGraphAfterCloseFailsInsteadOfHanging() {
        start().close();
        assertThat(scraper.graph(Duration.ofSeconds(30))).isCompletedExceptionally();
    }
}
