package dev.ficus.api.validate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.bind.Names;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.mesh.App;
import dev.ficus.api.mesh.ReadinessProbe;
import dev.ficus.api.networking.WorkloadEntry;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Rules for ficus's App kind: a command to run, the WorkloadEntry it provides (which must exist),
 * ports, a probe that can be carried out. Caught here, a mistake stops {@code ficus up} before any
 * process starts rather than as an app that never becomes ready.
 */
final class AppChecks implements Check<App> {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String FICUS_JAVA_NAME = "FICUS_JAVA";

    @Override
    public void check(Resource<App> r, ConfigSet all, Report report) {
        App app = r.spec();
        var positions = r.origin().positions();
        // An absent list binds empty too; the binder has already reported it as missing.
        boolean commandWritten = positions.find("spec.command") != positions.find("spec");
        if (commandWritten) command(report, app.command());
        workingDir(r, report, app.workingDir());
        for (String name : app.env().keySet()) {
            String p = PLAIN_KEY.matcher(name).matches() ? "spec.env." + name : "spec.env[\"" + name + "\"]";
            if (name.contains("=") || name.indexOf('\0') >= 0) {
                report.error(p, "'" + name + "' cannot be an environment variable name: it contains '=' or a NUL");
            } else if (!ENV_NAME.matcher(name).matches()) {
                // A process may still read it, but a shell or a script started by the app cannot.
                report.warning(p, "'" + name + "' is not a portable environment variable name; use letters, digits and _, not starting with a digit");
            }
        }
        VirtualServiceChecks.port(report, "spec.port", app.port());
        if (app.readinessProbe() != null) probe(report, app);
        if (app.workload() != null) workload(r, all, report, app);
    }

    private static void command(Report report, List<String> command) {
        if (command.isEmpty()) {
            report.error("spec.command", "command must name the program to run, e.g. [\"${FICUS_JAVA}\", \"apps/Shop.java\"]");
            return;
        }
        if (command.getFirst().isBlank()) report.error("spec.command[0]", "the program to run must not be empty");
        for (int i = 0; i < command.size(); i++) {
            Matcher m = PLACEHOLDER.matcher(command.get(i));
            while (m.find()) {
                String name = m.group(1);
                if (name.equals(FICUS_JAVA_NAME)) continue;
                // Other ${NAME}s pass through unchanged (a shell may expand them): warn only on near misses.
                if (Names.closest(name, List.of(FICUS_JAVA_NAME)).isPresent()) {
                    report.warning("spec.command[" + i + "]", "'${" + name + "}' is not replaced by ficus; did you mean '" + App.FICUS_JAVA + "'?");
                }
            }
        }
    }

    /** A missing directory only warns: it may be created before {@code ficus up} runs. */
    private static void workingDir(Resource<App> r, Report report, String dir) {
        if (dir == null) return;
        if (dir.isBlank()) {
            report.error("spec.workingDir", "workingDir must not be empty; omit it to start in the YAML file's directory");
            return;
        }
        try {
            Path file = Path.of(r.origin().file());
            if (!Files.isRegularFile(file)) return; // stdin or a string: nothing to resolve against
            Path base = file.toAbsolutePath().getParent();
            Path resolved = base.resolve(dir).normalize();
            if (!Files.isDirectory(resolved)) {
                report.warning("spec.workingDir", "directory '" + dir + "' does not exist (resolved against the YAML file's directory: " + resolved + ")");
            }
        } catch (InvalidPathException e) {
            report.error("spec.workingDir", "'" + dir + "' is not a path: " + e.getReason());
        }
    }

    private static void probe(Report report, App app) {
        ReadinessProbe probe = app.readinessProbe();
        String p = "spec.readinessProbe";
        atLeastOne(report, p + ".periodSeconds", probe.periodSeconds());
        atLeastOne(report, p + ".timeoutSeconds", probe.timeoutSeconds());
        atLeastOne(report, p + ".failureThreshold", probe.failureThreshold());
        String action;
        Integer own;
        if (probe.httpGet() != null) {
            action = p + ".httpGet";
            own = probe.httpGet().port();
            String path = probe.httpGet().path();
            if (path != null && !path.isEmpty() && !path.startsWith("/")) {
                report.error(action + ".path", "path must start with '/', got '" + path + "'");
            }
        } else if (probe.tcpSocket() != null) {
            action = p + ".tcpSocket";
            own = probe.tcpSocket().port();
        } else {
            return; // neither set: the binder has said one is required
        }
        VirtualServiceChecks.port(report, action + ".port", own);
        if (own == null && app.port() == null) {
            report.error(action + ".port", "no port to probe; set " + action.substring("spec.".length()) + ".port or the app's port");
        }
    }

    private static void atLeastOne(Report report, String p, Integer v) {
        if (v != null && v < 1) report.error(p, "must be 1 or more, got " + v);
    }

    /**
     * Whether the workload's proxy hands a WorkloadEntry port to the app: a Sidecar that selects
     * the workload has an ingress port the entry names, whose defaultEndpoint is the app's port.
     */
    private static boolean behindIngress(ConfigSet all, String namespace, WorkloadEntry we, int appPort) {
        for (Resource<dev.ficus.api.networking.Sidecar> sc : all.all(Kind.SIDECAR, dev.ficus.api.networking.Sidecar.class)) {
            if (!sc.namespace().equals(namespace) || sc.spec().workloadSelector() == null || !sc.spec().workloadSelector().matches(we.labels())) continue;
            for (var in : sc.spec().ingress()) {
                if (in.port() == null || in.port().number() == null || !we.ports().containsValue(in.port().number()) || in.defaultEndpoint() == null) continue;
                String ep = in.defaultEndpoint();
                int colon = ep.lastIndexOf(':');
                if (colon > 0 && ep.substring(colon + 1).equals(Integer.toString(appPort))) return true;
            }
        }
        return false;
    }

    private static void workload(Resource<App> r, ConfigSet all, Report report, App app) {
        String name = app.workload();
        var entry = all.find(Kind.WORKLOAD_ENTRY, r.namespace(), name);
        if (entry.isEmpty()) {
            List<String> here = all.all(Kind.WORKLOAD_ENTRY).stream()
                    .filter(w -> w.namespace().equals(r.namespace())).map(Resource::name).toList();
            String hint = Names.closest(name, here).map(s -> "; did you mean '" + s + "'?")
                    .orElse(here.isEmpty() ? "; there is none in this namespace" : "; defined here: " + String.join(", ", here));
            report.error("spec.workload", "WorkloadEntry '" + name + "' is not defined in namespace " + r.namespace() + hint);
            return;
        }
        WorkloadEntry we = entry.get().as(WorkloadEntry.class).spec();
        if (we.address() == null || we.address().isEmpty()) {
            report.warning("spec.workload", "WorkloadEntry '" + name + "' has no address: the mesh cannot send this app traffic; "
                    + "give it the address the app listens on, e.g. 127.0.0.1");
        }
        Map<String, Integer> ports = we.ports();
        if (app.port() != null && app.port() >= 1 && app.port() <= 65535 && !ports.isEmpty() && !ports.containsValue(app.port())
                && !behindIngress(all, r.namespace(), we, app.port())) {
            report.warning("spec.port", "the app listens on " + app.port() + " but WorkloadEntry '" + name + "' names ports "
                    + ports.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", ", "{", "}"))
                    + ": the mesh sends its traffic there");
        }
        for (Resource<App> other : all.all(Kind.APP, App.class)) {
            if (other == r) break;
            if (other.namespace().equals(r.namespace()) && !other.name().equals(r.name()) && name.equals(other.spec().workload())) {
                report.error("spec.workload", "App '" + other.name() + "' (" + other.origin() + ") already provides WorkloadEntry '"
                        + name + "'; give each app its own WorkloadEntry");
                break;
            }
        }
    }
}
