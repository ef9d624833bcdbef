package dev.ficus.proxy.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    @Test
    void allowsThreeRetriesOrTwentyPercentOfActiveRequests() {
        RetryBudget b = new RetryBudget();
        for (int i = 0; i < 3; i++) assertThat(b.tryAcquireRetry()).isTrue();
        assertThat(b.tryAcquireRetry()).as("the minimum of 3 is spent").isFalse();
        for (int i = 0; i < 50; i++) b.requestStarted();
        assertThat(b.tryAcquireRetry()).isTrue(); // 20% of 50 = 10
        for (int i = 0; i < 6; i++) assertThat(b.tryAcquireRetry()).isTrue();
        assertThat(b.tryAcquireRetry()).isFalse();
        assertThat(b.retriesInFlight()).isEqualTo(10);
        b.retryFinished();
        assertThat(b.tryAcquireRetry()).isTrue();
    }

    @Test
    void backoffIsJitteredBelowAnExponentialCeilingCappedAtTenTimesTheBase() {
        long base = TimeUnit.MILLISECONDS.toNanos(25);
        long max1 = 0, max5 = 0;
        for (int i = 0; i < 10_000; i++) {
            long a = Backoff.nanos(base, 1);
            long e = Backoff.nanos(base, 5);
            assertThat(a).isBetween(0L, base - 1);
            assertThat(e).isBetween(0L, base * 10 - 1);
            max1 = Math.max(max1, a);
            max5 = Math.max(max5, e);
        }
        assertThat(max1).isGreaterThan(base * 9 / 10);
        assertThat(max5).as("2^4 * 25 ms is capped at 250 ms").isGreaterThan(base * 9);
    }
}
