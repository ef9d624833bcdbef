package dev.ficus.control.assess;

import dev.ficus.api.Durations;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ficus assess}'s report: a summary line, a table of services (meshed instances, mTLS,
 * rate, errors, p99, callers, dependents, verdict), who calls what, why each verdict, what is done,
 * the onboarding order with each step's reason, and what the assessment could not see.
 */
public final class AssessmentText {
    private AssessmentText() {
    }

    private static final String[] HEAD = {"SERVICE", "KIND", "MESHED", "MTLS", "RATE", "ERRORS", "P99 MS", "CALLERS", "DEPENDENTS", "VERDICT"};
    private static final boolean[] RIGHT = {false, false, true, false, true, true, true, true, true, false};

    public static String write(Assessment a) {
        StringBuilder b = new StringBuilder();
        Assessment.Summary s = a.summary();
        b.append("Assessment over the last ").append(Durations.format(a.window())).append(": ")
                .append(s.meshedServices()).append(" of ").append(s.services()).append(s.services() == 1 ? " service" : " services").append(" meshed, ")
                .append(s.meshedWorkloads()).append(" of ").append(s.workloads()).append(s.workloads() == 1 ? " workload" : " workloads").append(" with a proxy, ")
                .append(s.proxiesRead()).append(" of ").append(s.proxies()).append(s.proxies() == 1 ? " proxy" : " proxies").append(" read\n");
        if (a.services().isEmpty()) {
            b.append("\nno services or workloads in the configuration, and no traffic\n");
        } else {
            b.append('\n');
            List<String[]> rows = new ArrayList<>();
            rows.add(HEAD);
            for (Assessment.Service v : a.services()) rows.add(row(v));
            table(b, rows);

            List<String> deps = new ArrayList<>();
            for (Assessment.Service v : a.services()) {
                if (!v.dependsOn().isEmpty()) deps.add("  " + v.id() + " → " + String.join(", ", v.dependsOn()));
            }
            List<String> unknown = a.services().stream()
                    .filter(v -> v.callers().stream().anyMatch(c -> c.workload().equals("unknown"))).map(Assessment.Service::id).toList();
            if (!unknown.isEmpty()) deps.add("  unknown → " + String.join(", ", unknown) + "   (callers without a proxy the mesh cannot name)");
            b.append("\nDependencies (caller → what it calls):\n");
            if (deps.isEmpty()) b.append("  none seen in the window\n");
            else deps.forEach(d -> b.append(d).append('\n'));

            b.append("\nReadiness:\n");
            for (Assessment.Service v : a.services()) {
                b.append("  ").append(v.id()).append(": ").append(verdict(v.verdict())).append('\n');
                for (String r : v.reasons()) b.append("    - ").append(r).append('\n');
            }

            b.append("\nAlready meshed: ").append(a.done().isEmpty() ? "nothing yet" : String.join(", ", a.done())).append('\n');
            List<String> external = a.services().stream().filter(v -> v.kind() == Assessment.Kind.EXTERNAL).map(Assessment.Service::id).toList();
            if (!external.isEmpty()) b.append("Outside the mesh (not onboarded): ").append(String.join(", ", external)).append('\n');

            if (a.order().isEmpty()) {
                b.append("\nOnboarding order: nothing left to onboard\n");
            } else {
                b.append("\nOnboarding order (what a service calls first, then the least critical: fewest dependents, least traffic):\n");
                int width = String.valueOf(a.order().size()).length();
                for (Assessment.Step st : a.order()) {
                    String n = String.format(Locale.ROOT, "%" + width + "d", st.number());
                    b.append("  ").append(n).append(". ").append(String.join(" + ", st.services()))
                            .append("  [").append(verdict(st.verdict())).append("]\n")
                            .append("  ").append(" ".repeat(width + 2)).append(st.reason()).append('\n');
                }
            }
        }
        if (!a.notes().isEmpty()) {
            b.append("\nNotes:\n");
            for (String n : a.notes()) b.append("  - ").append(n).append('\n');
        }
        return b.toString();
    }

    private static String[] row(Assessment.Service v) {
        Assessment.Traffic t = v.traffic();
        boolean external = v.kind() == Assessment.Kind.EXTERNAL;
        String mtls = v.mtls().mode() == null ? "-" : v.mtls().mode();
        if (!Double.isNaN(v.mtls().observedShare())) mtls += String.format(Locale.ROOT, ", %.0f%% mTLS", v.mtls().observedShare() * 100);
        String rate = t.rps() > 0 || t.requests() > 0 ? String.format(Locale.ROOT, "%.2f rps", t.rps())
                : t.tcpBytesPerSecond() > 0 ? bytesPerSecond(t.tcpBytesPerSecond()) : "-";
        return new String[] {
                v.id(), v.kind().label(), external ? "-" : v.meshedInstances() + "/" + v.instances(), mtls, rate,
                t.requests() > 0 ? Assessor.percent(t.errorRate()) : "-",
                Double.isNaN(t.p99Ms()) ? "-" : String.format(Locale.ROOT, "%.1f", t.p99Ms()),
                String.valueOf(v.callers().size()), String.valueOf(v.transitiveDependents()), verdict(v.verdict())};
    }

    private static void table(StringBuilder b, List<String[]> rows) {
        int[] width = new int[HEAD.length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].codePointCount(0, r[i].length()));
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                if (i > 0) line.append("  ");
                int pad = width[i] - r[i].codePointCount(0, r[i].length());
                if (RIGHT[i]) line.append(" ".repeat(pad)).append(r[i]);
                else line.append(r[i]).append(i == r.length - 1 ? "" : " ".repeat(pad));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
    }

    /** The verdict as a person reads it ({@code fix first}, not {@code fix-first}). */
    static String verdict(Assessment.Verdict v) {
        return v.label().replace('-', ' ');
    }

    static String bytesPerSecond(double b) {
        if (b < 1024) return String.format(Locale.ROOT, "%.0f B/s", b);
        if (b < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB/s", b / 1024);
        return String.format(Locale.ROOT, "%.1f MiB/s", b / (1024 * 1024));
    }
}
