package dev.ficus.bench.mesh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What {@code ficus bench mesh} runs; immutable, checked when built.
 *
 * @param rate         requests per second of the open-loop pass
 * @param connections  keep-alive connections of both passes
 * @param threads      load-generator event loops
 * @param duration     measured time of the open-loop pass
 * @param warmup       load sent before each pass, not recorded
 * @param maxDuration  measured time of the closed-loop (max throughput) pass
 * @param prime        closed-loop load sent to each freshly started path before its passes, not
 *                     recorded: the JVM compiles its hot code, as in a proxy that has been running
 * @param rounds       rounds; each runs every scenario once, in an order rotated by one per round
 * @param scenarios    the scenarios, in the first round's order
 * @param policyRules  rules of the AuthorizationPolicy of {@code ficus-2hop-mtls-authz}
 * @param ficus        the {@code ficus} launcher that starts proxies and the control plane
 * @param startTimeout how long a process may take to become ready
 * @param pin          proxies on one CPU, the load generator, backend and control plane on the
 *                     others ({@code taskset}), so that scenarios differ by their proxies only
 * @param sameProcesses start and prime each scenario's processes once and measure them in every
 *                     round (rounds become short slices of one run) instead of fresh ones per round
 * @param repeatSpoiled how many times an open-loop pass is run again, at most, when the load generator
 *                     spoiled it (a send it delayed itself by 1 ms or more, or a pause of its JVM, inside
 *                     the measured window); 0: never, the report only counts such passes
 * @param concurrentPairs with {@code sameProcesses}: the open-loop passes of the two sides of a pair
 *                     run at the same time, each at {@code rate}, their sends half an interval apart,
 *                     so that both sides meet the same moments of a noisy machine; closed-loop passes
 *                     still run one after the other
 */
public record MeshBenchConfig(double rate, int connections, int threads, Duration duration, Duration warmup,
                              Duration maxDuration, Duration prime, int rounds, List<Scenario> scenarios, int policyRules, Path ficus,
                              Duration startTimeout, boolean pin, boolean sameProcesses, int repeatSpoiled,
                              boolean concurrentPairs) {
    public MeshBenchConfig {
        Objects.requireNonNull(ficus, "ficus");
        scenarios = List.copyOf(scenarios);
        if (!(rate > 0) || Double.isInfinite(rate)) throw new IllegalArgumentException("--rate must be a positive number of requests per second");
        if (connections < 1 || connections > 10_000) throw new IllegalArgumentException("--connections must be from 1 to 10000");
        if (threads < 1 || threads > connections) throw new IllegalArgumentException("--threads must be from 1 to --connections");
        if (duration.isZero() || duration.isNegative() || duration.toHours() >= 1) throw new IllegalArgumentException("--duration must be more than 0 and less than 1h");
        if (maxDuration.isZero() || maxDuration.isNegative() || maxDuration.toHours() >= 1) throw new IllegalArgumentException("--max-duration must be more than 0 and less than 1h");
        if (prime.isNegative() || prime.toHours() >= 1) throw new IllegalArgumentException("--prime must be 0 or more and less than 1h");
        if (warmup.isNegative() || warmup.toHours() >= 1) throw new IllegalArgumentException("--warmup must be 0 or more and less than 1h");
        if (rounds < 1 || rounds > 99) throw new IllegalArgumentException("--rounds must be from 1 to 99");
        if (scenarios.isEmpty() || scenarios.stream().distinct().count() != scenarios.size()) {
            throw new IllegalArgumentException("--scenarios must name each scenario at most once and at least one");
        }
        if (policyRules < 1 || policyRules > 10_000) throw new IllegalArgumentException("--policy-rules must be from 1 to 10000");
        if (repeatSpoiled < 0 || repeatSpoiled > 10) throw new IllegalArgumentException("--repeat-spoiled must be from 0 to 10");
        if (concurrentPairs && !sameProcesses) throw new IllegalArgumentException("--concurrent-pairs needs --same-processes");
    }

    public static Builder builder(Path ficus) {
        return new Builder(ficus);
    }

    /** Defaults: 2000 requests/s, 16 connections, 1 thread, 10 s (5 s at max), 5 s priming, 2 s warm-up, 3 rounds, every scenario, 10 rules. */
    public static final class Builder {
        private final Path ficus;
        private double rate = 2000;
        private int connections = 16;
        private int threads = 1;
        private Duration duration = Duration.ofSeconds(10);
        private Duration warmup = Duration.ofSeconds(2);
        private Duration maxDuration = Duration.ofSeconds(5);
        private Duration prime = Duration.ofSeconds(5);
        private int rounds = 3;
        private List<Scenario> scenarios = List.of(Scenario.values());
        private int policyRules = 10;
        private Duration startTimeout = Duration.ofSeconds(120);
        private boolean pin;
        private boolean sameProcesses;
        private int repeatSpoiled;
        private boolean concurrentPairs;

        private Builder(Path ficus) {
            this.ficus = ficus;
        }

        public Builder rate(double perSecond) { this.rate = perSecond; return this; }
        public Builder connections(int n) { this.connections = n; return this; }
        public Builder threads(int n) { this.threads = n; return this; }
        public Builder duration(Duration d) { this.duration = d; return this; }
        public Builder warmup(Duration d) { this.warmup = d; return this; }
        public Builder maxDuration(Duration d) { this.maxDuration = d; return this; }
        public Builder prime(Duration d) { this.prime = d; return this; }
        public Builder rounds(int n) { this.rounds = n; return this; }
        public Builder scenarios(List<Scenario> s) { this.scenarios = s; return this; }
        public Builder policyRules(int n) { this.policyRules = n; return this; }
        public Builder startTimeout(Duration d) { this.startTimeout = d; return this; }
        public Builder pin(boolean p) { this.pin = p; return this; }
        public Builder sameProcesses(boolean b) { this.sameProcesses = b; return this; }
        public Builder repeatSpoiled(int n) { this.repeatSpoiled = n; return this; }
        public Builder concurrentPairs(boolean b) { this.concurrentPairs = b; return this; }

        public MeshBenchConfig build() {
            return new MeshBenchConfig(rate, connections, threads, duration, warmup, maxDuration, prime, rounds, scenarios,
                    policyRules, ficus, startTimeout, pin, sameProcesses, repeatSpoiled, concurrentPairs);
        }
    }
}
