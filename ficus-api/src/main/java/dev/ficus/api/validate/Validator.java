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
        Diagnostics out = new Diagnostics();
        Map<String, Resource<?>> seen = new HashMap<>();
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
        for (Resource<?> r : config.resources()) {
            run(r, effective, out);
        }
        return out.sorted();
    }

    /**
     * The configuration that is served: when a kind, namespace and name repeat, the last one read
     * wins (files apply in name order, as {@code kubectl apply -f DIR} would).
     */
    public static ConfigSet effective(ConfigSet config) {
        Map<String, Resource<?>> last = new java.util.LinkedHashMap<>();
        for (Resource<?> r : config.resources()) {
            last.remove(key(r));
            last.put(key(r), r);
        }
        return new ConfigSet(new ArrayList<>(last.values()));
    }

    private static String key(Resource<?> r) {
        return r.kind() + "/" + r.namespace() + "/" + r.name();
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
