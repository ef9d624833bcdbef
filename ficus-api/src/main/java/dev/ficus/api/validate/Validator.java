package dev.ficus.api.validate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.config.Diagnostics;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs every check on a loaded configuration: per-kind rules ({@code *Checks}), then rules that
 * span resources (duplicate names). This is what {@code ficus validate} and every config reload
 * run before anything is served.
 */
public final class Validator {
    private static final Map<Kind, Check<?>> CHECKS = new EnumMap<>(Kind.class);

    static {
        CHECKS.put(Kind.VIRTUAL_SERVICE, new VirtualServiceChecks());
        CHECKS.put(Kind.DESTINATION_RULE, new DestinationRuleChecks());
        CHECKS.put(Kind.SERVICE_ENTRY, new ServiceEntryChecks());
        CHECKS.put(Kind.WORKLOAD_ENTRY, new WorkloadEntryChecks());
        CHECKS.put(Kind.GATEWAY, new GatewayChecks());
        CHECKS.put(Kind.SIDECAR, new SidecarChecks());
        CHECKS.put(Kind.PEER_AUTHENTICATION, new PeerAuthenticationChecks());
        CHECKS.put(Kind.AUTHORIZATION_POLICY, new AuthorizationPolicyChecks());
        CHECKS.put(Kind.REQUEST_AUTHENTICATION, new RequestAuthenticationChecks());
        CHECKS.put(Kind.TELEMETRY, new TelemetryChecks());
        CHECKS.put(Kind.APP, new AppChecks());
        CHECKS.put(Kind.ROLLOUT, new RolloutChecks());
    }

    private Validator() {
    }

    /** Loads and validates paths in one go: the result holds load and check diagnostics. */
    public static ConfigLoader.Result loadAndValidate(List<String> paths, java.io.InputStream stdin) {
        ConfigLoader.Result loaded = ConfigLoader.load(paths, stdin);
        return withChecks(loaded);
    }

    /** {@link #loadAndValidate} that parses only the files changed since the last load with {@code cache}. */
    public static ConfigLoader.Result loadAndValidate(List<String> paths, java.io.InputStream stdin, ConfigLoader.Cache cache) {
        return withChecks(ConfigLoader.load(paths, stdin, cache));
    }

    /**
     * {@link #loadAndValidate} that parses only the files changed since the last load with
     * {@code cache}, and runs again only the checks whose findings may have changed: those of
     * resources of changed files, and those that look at other resources.
     */
    public static ConfigLoader.Result loadAndValidate(List<String> paths, java.io.InputStream stdin, Cache cache) {
        ConfigLoader.Result loaded = ConfigLoader.load(paths, stdin, cache.files);
        List<Diagnostic> all = new ArrayList<>(loaded.diagnostics());
        all.addAll(validate(loaded.config(), cache));
        return new ConfigLoader.Result(loaded.config(), all.stream().distinct().sorted().toList());
    }

    /**
     * What a long-running reader (the control plane) keeps from one validation to the next: each
     * file's parse ({@link ConfigLoader.Cache}), and what the checks that look at their resource
     * alone ({@link Check#readsOthers()} false) found for each resource. The resources of a file
     * that did not change are the very objects of the last load, so a reload after a change to one
     * file checks that file's resources and the checks that span resources, not the thousands of
     * others. Not thread-safe: one reader.
     */
    public static final class Cache {
        private final ConfigLoader.Cache files = new ConfigLoader.Cache();
        private Map<Object, Findings> findings = new HashMap<>();
    }

    /**
     * What the checks found for a resource. Kept by where the resource stands (file, line, column,
     * text fingerprint), so that an unchanged document of a file read again because another of its
     * documents changed, the same document ({@link Resource#sameDocument}), is not checked again.
     */
    private record Findings(Resource<?> resource, List<Diagnostic> diagnostics) {
        static Object where(Resource<?> r) {
            var o = r.origin();
            return o.fingerprint().isEmpty() ? new IdentityKey(r) : new Where(o.file(), o.line(), o.column(), o.fingerprint());
        }
    }

    /** Where a document stands, and its text's fingerprint. */
    private record Where(String file, int line, int column, String fingerprint) {
    }

    /** A resource made in code (no text to fingerprint): known by identity. */
    private record IdentityKey(Resource<?> resource) {
        @Override public boolean equals(Object o) { return o instanceof IdentityKey k && k.resource == resource; }
        @Override public int hashCode() { return System.identityHashCode(resource); }
    }

    public static ConfigLoader.Result loadAndValidateString(String label, String yaml) {
        return withChecks(ConfigLoader.loadString(label, yaml));
    }

    private static ConfigLoader.Result withChecks(ConfigLoader.Result loaded) {
        List<Diagnostic> all = new ArrayList<>(loaded.diagnostics());
        all.addAll(validate(loaded.config()));
        return new ConfigLoader.Result(loaded.config(), all.stream().distinct().sorted().toList());
    }

    /** The diagnostics of every check on {@code config}, sorted. */
    public static List<Diagnostic> validate(ConfigSet config) {
        return validate(config, null);
    }

    private static List<Diagnostic> validate(ConfigSet config, Cache cache) {
        Diagnostics out = new Diagnostics();
        Map<Key, Resource<?>> seen = new HashMap<>();
        for (Resource<?> r : config.resources()) {
            Resource<?> earlier = seen.put(key(r), r);
            if (earlier == null) continue;
            String what = r.kind().kindName() + " '" + r.name() + "' in namespace " + r.namespace();
            if (earlier.origin().file().equals(r.origin().file())) {
                new Report(r, out).error("metadata.name", "duplicate " + what + "; first defined at " + earlier.origin());
            } else {
                // Files of a directory apply in name order, as kubectl apply -f would: the later one wins.
                new Report(r, out).warning("metadata.name", what + " replaces the one at " + earlier.origin()
                        + " (files apply in name order; the later wins)");
            }
        }
        ConfigSet effective = effective(config);
        Map<Object, Findings> findings = cache == null ? null : new HashMap<>();
        for (Resource<?> r : config.resources()) {
            Check<?> check = CHECKS.get(r.kind());
            if (findings == null || check == null || check.readsOthers()) {
                run(r, effective, out);
                continue;
            }
            Object where = Findings.where(r);
            Findings found = cache.findings.get(where);
            if (found == null || !found.resource().sameDocument(r)) {
                int from = out.size();
                run(r, effective, out);
                found = new Findings(r, out.since(from));
            } else {
                found.diagnostics().forEach(out::add);
            }
            findings.put(where, found);
        }
        if (cache != null) cache.findings = findings; // resources gone since drop out
        return out.sorted();
    }

    /**
     * The configuration that is served: when a kind, namespace and name repeat, the last one read
     * wins (files apply in name order, as {@code kubectl apply -f DIR} would).
     */
    public static ConfigSet effective(ConfigSet config) {
        Map<Key, Resource<?>> last = new java.util.LinkedHashMap<>();
        for (Resource<?> r : config.resources()) {
            last.remove(key(r));
            last.put(key(r), r);
        }
        return new ConfigSet(new ArrayList<>(last.values()));
    }

    /** What a resource is known by: a later one with the same key replaces it. */
    private record Key(Kind kind, String namespace, String name) {
    }

    private static Key key(Resource<?> r) {
        return new Key(r.kind(), r.namespace(), r.name());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void run(Resource<?> r, ConfigSet config, Diagnostics out) {
        Check check = CHECKS.get(r.kind());
        if (check == null) return;
        Report report = new Report(r, out);
        try {
            check.check(r, config, report);
        } catch (RuntimeException e) {
            // A check must never turn bad input into a stack trace; say what happened instead.
            report.error("", "internal error while checking (please report): " + e);
        }
    }
}
