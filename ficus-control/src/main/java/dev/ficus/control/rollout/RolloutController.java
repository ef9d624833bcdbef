package dev.ficus.control.rollout;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.mesh.Rollout;
import dev.ficus.api.networking.Destination;
import dev.ficus.control.graph.ServiceGraph;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs every Rollout of the configuration: one tick per analysis interval (a check of the
 * candidate, webhook gates, the state machine of {@link Engine}), commands from users, the state
 * persisted in a directory after each change. All of it on one thread of its own; the states are
 * published in a volatile map that the control plane overlays on the routes
 * ({@link RolloutOverlay}) whenever it translates.
 */
public final class RolloutController implements AutoCloseable {

    /** What the controller needs of the control plane. */
    public interface Host {
        /** The rollouts' states changed the routes: re-translate and push. Any thread. */
        void routesChanged();

        /** The service graph over the last window (scraped afresh). */
        CompletableFuture<ServiceGraph> graph(Duration window);

        /** A parallel run's comparisons so far, merged over every proxy. */
        CompletableFuture<dev.ficus.control.parallelrun.ParallelRunReport> parallelRun(String namespace, String name);

        void info(String message);

        void warn(String message);
    }

    /** What a user can ask of a rollout. */
    public enum Command { PROMOTE, PAUSE, RESUME, ABORT, UNDO }

    /** The user's command cannot apply now (e.g. promote a rollout that is over). */
    public static final class CommandRefused extends RuntimeException {
        public CommandRefused(String message) { super(message); }
    }

    /** One rollout being run. Controller thread only. */
    private static final class Run {
        Resource<Rollout> resource;
        Plan plan;
        Duration interval;
        ScheduledFuture<?> tick;
        boolean busy;
    }

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private final Host host;
    private final Path stateDir;
    private final InstantSource clock;
    private final ScheduledExecutorService exec;
    private final Checker checker;
    private final Webhooks webhooks;
    private final Map<String, Run> runs = new HashMap<>();
    /** A parallel run's report read by a check in flight, until the check's outcome is applied. */
    private final Map<String, String> lastReport = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Map<String, RolloutState> states = Map.of();
    private volatile Map<String, Info> infos = Map.of();
    private ConfigSet config = ConfigSet.empty();

    public RolloutController(Host host, Path stateDir, InstantSource clock) {
        this.host = host;
        this.stateDir = stateDir;
        this.clock = clock;
        this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ficus-rollouts");
            t.setDaemon(true);
            return t;
        });
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).executor(exec).build();
        this.webhooks = new Webhooks(http);
        Function<Duration, CompletableFuture<ServiceGraph>> graph = host::graph;
        this.checker = new Checker(graph, webhooks, http);
    }

    /**
     * What a rollout's spec says, for status: its strategy's steps in words, and a strangler's
     * routes (name → new destination) in table order.
     */
    public record Info(String strategy, List<String> steps, Map<String, String> stranglerRoutes, String stable, String canary,
                       String stableHost, List<String> newHosts) {
    }

    /** A parallel run's comparisons so far (for status). */
    public CompletableFuture<dev.ficus.control.parallelrun.ParallelRunReport> parallelRun(String namespace, String name) {
        return host.parallelRun(namespace, name);
    }

    /** The service graph, as the checks read it (for status: a strangler's share of traffic). */
    public CompletableFuture<ServiceGraph> graph(Duration window) { return host.graph(window); }

    /** The spec side of every rollout, by {@code namespace/name}. Any thread. */
    public Map<String, Info> infos() { return infos; }

    /** The states of every rollout, by {@code namespace/name}. Any thread. */
    public Map<String, RolloutState> states() { return states; }

    /** The configuration as the rollouts want it. Any thread. */
    public ConfigSet overlay(ConfigSet config) { return RolloutOverlay.apply(config, states); }

    /** The configuration changed (files or registry): start, restart or drop rollouts. Any thread; returns at once. */
    public void reconcile(ConfigSet config) {
        exec.execute(() -> guarded(() -> doReconcile(config)));
    }

    /** Runs a user's command; the answer is the new state. Any thread. */
    public CompletableFuture<RolloutState> command(String namespace, String name, Command cmd) {
        CompletableFuture<RolloutState> out = new CompletableFuture<>();
        exec.execute(() -> {
            try {
                out.complete(doCommand(namespace + "/" + name, cmd));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** The state of one rollout now, after what is queued ran (so a test sees its own reconcile). Any thread. */
    public CompletableFuture<Optional<RolloutState>> state(String namespace, String name) {
        return CompletableFuture.supplyAsync(() -> Optional.ofNullable(states.get(namespace + "/" + name)), exec);
    }

    private void guarded(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            host.warn("rollout controller: " + e);
        }
    }

    private void doReconcile(ConfigSet cfg) {
        this.config = cfg;
        long now = clock.millis();
        Map<String, RolloutState> next = new LinkedHashMap<>(states);
        boolean changed = false;
        List<String> seen = new ArrayList<>();
        for (Resource<Rollout> r : cfg.all(Kind.ROLLOUT, Rollout.class)) {
            String key = r.namespace() + "/" + r.name();
            seen.add(key);
            String rev = revision(r.spec());
            RolloutState st = next.get(key);
            Run run = runs.get(key);
            if (st == null) {
                st = load(key).filter(s -> s.revision().equals(rev)).map(s -> s.event(now, "Normal", "Resumed",
                        "control plane restarted: resuming at step " + s.progress().step() + " (" + s.progress().phase().label() + ")")).orElse(null);
                if (st != null) host.info("rollout " + key + ": resumed from " + stateDir + " at step " + st.progress().step());
            }
            if (st == null || !st.revision().equals(rev)) {
                boolean restart = st != null;
                st = new RolloutState(r.namespace(), r.name(), r.spec().strategy().name(), rev, Progress.start(now), Map.of(), null,
                        st == null ? List.of() : st.events());
                st = st.event(now, "Normal", restart ? "NewRevision" : "Started", (restart ? "what the rollout moves changed: starting over; " : "")
                        + r.spec().strategy().name() + " of " + describe(r.spec().stable()) + (r.spec().canary() != null ? " → " + describe(r.spec().canary()) : ""));
                host.info("rollout " + key + ": " + st.events().getLast().message());
                changed = true;
            }
            if (r.spec().strategy().strangler() != null) {
                RolloutState before = st;
                st = reconcileRoutes(r, st, now);
                if (before != st) changed = true;
            }
            next.put(key, st);
            if (run == null) {
                run = new Run();
                runs.put(key, run);
            }
            run.resource = r;
            run.plan = Plan.of(r.spec());
            Duration interval = r.spec().analysisOrDefault().intervalOrDefault();
            if (run.tick == null || !interval.equals(run.interval)) {
                if (run.tick != null) run.tick.cancel(false);
                run.interval = interval;
                String k = key;
                run.tick = exec.scheduleWithFixedDelay(() -> guarded(() -> tick(k)), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        Map<String, Info> info = new LinkedHashMap<>();
        for (var e : runs.entrySet()) {
            if (!seen.contains(e.getKey())) continue;
            Rollout ro = e.getValue().resource.spec();
            Map<String, String> sr = new LinkedHashMap<>();
            if (ro.strategy().strangler() != null) for (var x : ro.strategy().strangler().routes()) sr.put(x.name(), describe(x.destination()));
            String ns = e.getValue().resource.namespace();
            List<String> newHosts = ro.strategy().strangler() == null ? List.of() : ro.strategy().strangler().routes().stream()
                    .map(x -> dev.ficus.api.networking.Hosts.fqdn(x.destination().host(), ns)).distinct().toList();
            info.put(e.getKey(), new Info(ro.strategy().name(), e.getValue().plan.steps().stream().map(Plan.Step::describe).toList(), sr,
                    describe(ro.stable()), ro.canary() == null ? null : describe(ro.canary()),
                    dev.ficus.api.networking.Hosts.fqdn(ro.stable().host(), ns), newHosts));
        }
        infos = Map.copyOf(info);
        for (String key : new ArrayList<>(runs.keySet())) {
            if (seen.contains(key)) continue;
            Run run = runs.remove(key);
            if (run.tick != null) run.tick.cancel(false);
            next.remove(key);
            delete(key);
            host.info("rollout " + key + ": removed from the configuration; the VirtualService's own routes apply again");
            changed = true;
        }
        publish(next, changed);
    }

    private RolloutState reconcileRoutes(Resource<Rollout> r, RolloutState st, long now) {
        Map<String, Progress> routes = new LinkedHashMap<>(st.routes());
        RolloutState out = st;
        List<String> names = new ArrayList<>();
        for (Rollout.StranglerRoute sr : r.spec().strategy().strangler().routes()) {
            names.add(sr.name());
            Progress p = routes.get(sr.name());
            if (sr.migrating() && p == null) {
                routes.put(sr.name(), Progress.start(now));
                out = out.event(now, "Normal", "RouteMigrating", "route " + sr.name() + " moves to " + describe(sr.destination())
                        + (sr.canary() != null ? " as a canary" : ""));
            } else if (!sr.migrating() && p != null) {
                routes.remove(sr.name());
                out = out.event(now, "Normal", "RouteReturned", "route " + sr.name() + " is back on legacy (migrate is off)");
            }
        }
        routes.keySet().retainAll(names);
        if (routes.equals(st.routes()) && out == st) return st;
        return out.withRoutes(routes);
    }

    private void tick(String key) {
        Run run = runs.get(key);
        RolloutState st = states.get(key);
        if (run == null || st == null || run.busy) return;
        Resource<Rollout> r = run.resource;
        long now = clock.millis();
        if (r.spec().strategy().strangler() != null) {
            tickStrangler(run, st, now);
            return;
        }
        Progress p = st.progress();
        if (p.phase() != Phase.PROGRESSING) return;
        Plan.Step step = p.step() < run.plan.steps().size() ? run.plan.steps().get(p.step()) : null;
        boolean needCheck = p.candidateServes() || step instanceof Plan.Checks || step instanceof Plan.Watch;
        CompletableFuture<RolloutState.Check> check = !needCheck ? CompletableFuture.completedFuture(null)
                : r.spec().strategy().parallelRun() != null && !p.candidateServes() ? host.parallelRun(r.namespace(), r.name()).thenApply(rep -> {
                    lastReport.put(key, rep.toJson());
                    return compared(r, rep, now);
                })
                : checker.check(r, config, r.spec().canary(), st, now);
        int gateStep = p.step();
        CompletableFuture<List<Webhooks.Answer>> gate = step instanceof Plan.Gate g ? webhooks.call(r, g.type(), st) : CompletableFuture.completedFuture(null);
        run.busy = true;
        check.thenCombine(gate, (c, g) -> new Object[]{c, g}).whenCompleteAsync((both, t) -> {
            run.busy = false;
            guarded(() -> {
                if (t != null) {
                    host.warn("rollout " + key + ": check could not run: " + Checker.rootMessage(t));
                    return;
                }
                @SuppressWarnings("unchecked") List<Webhooks.Answer> answers = (List<Webhooks.Answer>) both[1];
                finish(key, run, (RolloutState.Check) both[0], answers, gateStep);
            });
        }, exec);
    }

    private void finish(String key, Run run, RolloutState.Check check, List<Webhooks.Answer> answers, int gateStep) {
        RolloutState st = states.get(key);
        if (st == null || runs.get(key) != run) return;
        if (st.progress().phase() != Phase.PROGRESSING || st.progress().step() != gateStep) return; // a command moved it meanwhile
        Rollout.Analysis a = run.resource.spec().analysisOrDefault();
        Boolean gateOk = answers == null ? null : answers.stream().allMatch(Webhooks.Answer::ok);
        String gateDetail = answers == null ? null : String.join("; ", answers.stream().map(x -> x.name() + " " + x.detail()).toList());
        long now = clock.millis();
        Engine.Outcome o = Engine.advance(run.plan, st.progress(), check, gateOk, gateDetail, gateStep, now,
                a.failureLimitOrDefault(), run.resource.spec().progressDeadlineOrDefault());
        RolloutState next = st.with(o.progress());
        if (check != null) next = next.withCheck(check);
        String report = lastReport.remove(key);
        if (report != null) next = next.withParallelRun(report);
        for (String[] e : o.events()) {
            next = next.event(now, e[0], e[1], e[2]);
            log(key, e);
        }
        if (o.rolledBack()) webhooks.call(run.resource, "rollback", next);
        if (o.succeeded()) webhooks.call(run.resource, "post-rollout", next);
        Map<String, RolloutState> m = new LinkedHashMap<>(states);
        m.put(key, next);
        publish(m, o.trafficChanged() || o.rolledBack() || o.succeeded());
    }

    private void tickStrangler(Run run, RolloutState st, long now) {
        Resource<Rollout> r = run.resource;
        List<String> active = new ArrayList<>();
        List<CompletableFuture<RolloutState.Check>> checks = new ArrayList<>();
        for (Rollout.StranglerRoute sr : r.spec().strategy().strangler().routes()) {
            Progress p = st.routes().get(sr.name());
            if (p == null || p.phase() != Phase.PROGRESSING) continue;
            active.add(sr.name());
            boolean needCheck = p.candidateServes() && sr.canary() != null;
            checks.add(needCheck ? checker.check(r, config, sr.destination(), st, now) : CompletableFuture.completedFuture(null));
        }
        if (active.isEmpty()) return;
        run.busy = true;
        String key = st.key();
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).whenCompleteAsync((x, t) -> {
            run.busy = false;
            guarded(() -> {
                if (t != null) {
                    host.warn("rollout " + key + ": check could not run: " + Checker.rootMessage(t));
                    return;
                }
                RolloutState cur = states.get(key);
                if (cur == null || runs.get(key) != run) return;
                Rollout.Analysis a = run.resource.spec().analysisOrDefault();
                Map<String, Progress> routes = new LinkedHashMap<>(cur.routes());
                boolean moved = false;
                long at = clock.millis();
                RolloutState next = cur;
                for (int i = 0; i < active.size(); i++) {
                    String name = active.get(i);
                    Progress p = routes.get(name);
                    Rollout.StranglerRoute sr = route(run.resource, name);
                    if (p == null || sr == null || p.phase() != Phase.PROGRESSING) continue;
                    RolloutState.Check c = checks.get(i).join();
                    Engine.Outcome o = Engine.advance(Plan.ofRoute(sr), p, c, null, null, -1, at, a.failureLimitOrDefault(),
                            run.resource.spec().progressDeadlineOrDefault());
                    routes.put(name, o.progress());
                    if (c != null) next = next.withCheck(c);
                    for (String[] e : o.events()) {
                        String[] named = {e[0], e[1], "route " + name + ": " + e[2]};
                        next = next.event(at, named[0], named[1], named[2]);
                        log(key, named);
                    }
                    moved |= o.trafficChanged() || o.rolledBack() || o.succeeded();
                }
                next = next.withRoutes(routes);
                Map<String, RolloutState> m = new LinkedHashMap<>(states);
                m.put(key, next);
                publish(m, moved);
            });
        }, exec);
    }

    /** A parallel run's gate as a check: enough compared responses, few enough mismatches. */
    static RolloutState.Check compared(Resource<Rollout> r, dev.ficus.control.parallelrun.ParallelRunReport rep, long now) {
        Rollout.ParallelRun pr = r.spec().strategy().parallelRun();
        double max = pr.maxMismatchPercentOrDefault();
        int min = pr.minRequestsOrDefault();
        var verdict = rep.verdict(max, min);
        String label = describe(r.spec().canary()) + " (parallel run)";
        String summary = String.format(java.util.Locale.ROOT, "%s: %d compared, %.2f%% mismatched (at most %s%% over at least %d), %d noise, %d skipped",
                label, rep.compared(), rep.mismatchPercent(), Checker.fmt(max), min, rep.noise(), rep.skipped());
        var metric = new RolloutState.Metric("mismatch-percent", rep.mismatchPercent(), null, max, rep.mismatchPercent() <= max,
                String.format(java.util.Locale.ROOT, "%.2f%%", rep.mismatchPercent()));
        // a candidate that differs holds the gate (its answers reach nobody): a user reads the diffs, fixes it or aborts;
        // the progress deadline ends a run that never converges
        String v = verdict == dev.ficus.control.parallelrun.ParallelRunReport.Verdict.PASSING ? Checker.PASS : Checker.INCONCLUSIVE;
        String why = verdict == dev.ficus.control.parallelrun.ParallelRunReport.Verdict.FAILING ? "; too many mismatches: holding (see the samples)"
                : verdict == dev.ficus.control.parallelrun.ParallelRunReport.Verdict.INCONCLUSIVE ? "; not enough compared responses yet" : "";
        return new RolloutState.Check(now, v, label, rep.compared(), List.of(metric), summary + why);
    }

    private static Rollout.StranglerRoute route(Resource<Rollout> r, String name) {
        for (Rollout.StranglerRoute sr : r.spec().strategy().strangler().routes()) if (sr.name().equals(name)) return sr;
        return null;
    }

    private RolloutState doCommand(String key, Command cmd) {
        RolloutState st = states.get(key);
        Run run = runs.get(key);
        if (st == null || run == null) throw new CommandRefused("no rollout " + key);
        long now = clock.millis();
        Progress p = st.progress();
        RolloutState next;
        boolean traffic = false;
        switch (cmd) {
            case PROMOTE -> {
                if (run.resource.spec().strategy().strangler() != null) {
                    Map<String, Progress> routes = new LinkedHashMap<>(st.routes());
                    routes.replaceAll((n, rp) -> rp.phase() == Phase.PROGRESSING ? rp.traffic(100, false).phase(Phase.SUCCEEDED, "promoted by a user") : rp);
                    next = st.withRoutes(routes).event(now, "Normal", "Promoted", "every moving route promoted by a user");
                    traffic = true;
                    break;
                }
                if (p.phase() != Phase.PROGRESSING) throw new CommandRefused("rollout " + key + " is " + p.phase().label() + "; only a progressing rollout can be promoted");
                Progress q = Engine.promote(run.plan, p, now);
                next = st.with(q).event(now, "Normal", "PromotedByUser", q.message());
                Engine.Outcome o = Engine.advance(run.plan, q, null, null, null, -1, now, Integer.MAX_VALUE, Duration.ofDays(365));
                for (String[] e : o.events()) next = next.event(now, e[0], e[1], e[2]);
                next = next.with(o.progress());
                traffic = true;
                if (o.succeeded()) webhooks.call(run.resource, "post-rollout", next);
            }
            case PAUSE -> {
                if (p.phase() != Phase.PROGRESSING) throw new CommandRefused("rollout " + key + " is " + p.phase().label() + "; only a progressing rollout can be paused");
                next = st.with(p.phase(Phase.PAUSED, "paused by a user")).event(now, "Normal", "Paused", "paused by a user");
            }
            case RESUME -> {
                if (p.phase() == Phase.PAUSED) {
                    next = st.with(p.resumed(now)).event(now, "Normal", "Resumed", "resumed by a user");
                } else if (p.phase() == Phase.ROLLED_BACK || p.phase() == Phase.ABORTED) {
                    next = st.with(Progress.start(now)).event(now, "Normal", "Restarted", "restarted by a user from the first step");
                    traffic = true;
                } else {
                    throw new CommandRefused("rollout " + key + " is " + p.phase().label() + "; resume applies to a paused, aborted or rolled-back rollout");
                }
            }
            case ABORT, UNDO -> {
                if (cmd == Command.ABORT && p.phase().terminal()) throw new CommandRefused("rollout " + key + " is already " + p.phase().label());
                Phase to = cmd == Command.ABORT ? Phase.ABORTED : Phase.ROLLED_BACK;
                String why = cmd == Command.ABORT ? "aborted by a user: all traffic back on stable" : "undone by a user: all traffic back on stable";
                next = st.with(p.rolledBack(to, why)).event(now, "Warning", cmd == Command.ABORT ? "Aborted" : "Undone", why);
                if (!st.routes().isEmpty()) {
                    Map<String, Progress> routes = new LinkedHashMap<>(st.routes());
                    routes.replaceAll((n, rp) -> rp.rolledBack(to, why));
                    next = next.withRoutes(routes);
                }
                webhooks.call(run.resource, "rollback", next);
                traffic = true;
            }
            default -> throw new IllegalStateException(cmd.name());
        }
        log(key, next.events().getLast());
        Map<String, RolloutState> m = new LinkedHashMap<>(states);
        m.put(key, next);
        publish(m, traffic);
        return next;
    }

    private void log(String key, String[] e) {
        String line = "rollout " + key + ": " + e[2];
        if (e[0].equals("Warning")) host.warn(line);
        else host.info(line);
    }

    private void log(String key, RolloutState.Event e) {
        log(key, new String[]{e.type(), e.reason(), e.message()});
    }

    /** Saves what changed, publishes, and (when routes move) asks for a push. Controller thread. */
    private void publish(Map<String, RolloutState> next, boolean routesChanged) {
        Map<String, RolloutState> before = states;
        states = Map.copyOf(next);
        for (var e : next.entrySet()) {
            if (!e.getValue().equals(before.get(e.getKey()))) save(e.getValue());
        }
        if (routesChanged) host.routesChanged();
    }

    private Path file(String key) {
        return stateDir.resolve(key.replace('/', '_') + ".json");
    }

    private void save(RolloutState st) {
        if (stateDir == null) return;
        try {
            Files.createDirectories(stateDir);
            Path f = file(st.key());
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.writeString(tmp, GSON.toJson(st), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            host.warn("rollout " + st.key() + ": state not saved to " + stateDir + ": " + e.getMessage()
                    + " (a restart would begin this rollout again)");
        }
    }

    private Optional<RolloutState> load(String key) {
        if (stateDir == null) return Optional.empty();
        Path f = file(key);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            RolloutState st = GSON.fromJson(Files.readString(f, StandardCharsets.UTF_8), RolloutState.class);
            if (st == null || st.progress() == null || st.revision() == null) throw new IOException("incomplete state");
            return Optional.of(st);
        } catch (IOException | RuntimeException e) {
            host.warn("rollout " + key + ": state in " + f + " unreadable (" + e.getMessage() + "); starting over");
            return Optional.empty();
        }
    }

    private void delete(String key) {
        if (stateDir == null) return;
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            host.warn("rollout " + key + ": could not delete its state: " + e.getMessage());
        }
    }

    static String describe(Destination d) {
        if (d == null) return "(none)";
        return d.host() + (d.subset() != null ? "/" + d.subset() : "");
    }

    /** What the rollout moves: a change here starts it over; analysis and timing changes do not. */
    static String revision(Rollout r) {
        String what = r.virtualService() + "|" + r.routes() + "|" + r.stable() + "|"
                + (r.strategy().strangler() != null ? "strangler" : r.canary() + "|" + r.strategy());
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(what.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        exec.shutdownNow();
    }
}
