package dev.ficus.proxy.retry;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The retry budgets of a proxy, one per cluster name, so a budget survives snapshot swaps. Looked
 * up once per forwarded request on an event loop; the lookup does not allocate once a cluster has
 * been seen.
 */
public final class RetryBudgets {
    private final ConcurrentHashMap<String, RetryBudget> byCluster = new ConcurrentHashMap<>();

    public RetryBudget forCluster(String cluster) {
        RetryBudget b = byCluster.get(cluster);
        return b != null ? b : byCluster.computeIfAbsent(cluster, k -> new RetryBudget());
    }
}
