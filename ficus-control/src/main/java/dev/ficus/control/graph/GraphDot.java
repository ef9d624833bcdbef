package dev.ficus.control.graph;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The graph in Graphviz's DOT language ({@code ficus graph --format dot | dot -Tsvg > graph.svg}).
 * Workloads are ellipses, services boxes, the unknown caller a dashed ellipse. A caller's edge goes
 * to the service it called, labelled with rate, errors and p99, drawn by its security: solid green
 * for mTLS, dashed red for plaintext, dashed orange for mixed, dotted grey when unknown. A thin grey
 * edge goes from a service to each workload that served it.
 */
public final class GraphDot {
    private GraphDot() {
    }

    public static String write(ServiceGraph g) {
        StringBuilder b = new StringBuilder("digraph ficus {\n");
        b.append("  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
        for (ServiceGraph.Node n : g.nodes()) {
            b.append("  ").append(id(n.kind(), n.id())).append(" [label=").append(quote(n.id()));
            switch (n.kind()) {
                case WORKLOAD -> b.append(", shape=ellipse");
                case SERVICE -> b.append(", shape=box");
                case UNKNOWN -> b.append(", shape=ellipse, style=dashed");
            }
            b.append("];\n");
        }
        Set<String> served = new LinkedHashSet<>();
        for (ServiceGraph.Edge e : g.edges()) {
            String from = id(e.source().isUnknown() ? ServiceGraph.NodeKind.UNKNOWN : ServiceGraph.NodeKind.WORKLOAD, e.source().id());
            String service = id(ServiceGraph.NodeKind.SERVICE, e.service());
            b.append("  ").append(from).append(" -> ").append(service).append(" [label=").append(quote(label(e))).append(", ").append(style(e.security())).append("];\n");
            if (!e.destination().isUnknown()) served.add("  " + service + " -> " + id(ServiceGraph.NodeKind.WORKLOAD, e.destination().id()) + " [color=gray, arrowsize=0.5];\n");
        }
        served.forEach(b::append);
        return b.append("}\n").toString();
    }

    /** Kinds have their own id space: a service host and a workload may share a name ({@code unknown}). */
    private static String id(ServiceGraph.NodeKind kind, String name) {
        return quote(kind.label().charAt(0) + ":" + name);
    }

    private static String label(ServiceGraph.Edge e) {
        if (e.protocol() == EdgeKey.Protocol.TCP) {
            return "tcp " + GraphText.bytesPerSecond(e.tcpBytesPerSecond()) + "\n" + e.tcpConnections() + " connections\n" + e.security().label();
        }
        return String.format(Locale.ROOT, "%.2f rps\n%s errors\np99 %s ms\n%s", e.rps(), GraphText.percent(e.errorRate()),
                GraphText.millis(e.p99Ms()), GraphText.security(e));
    }

    private static String style(ServiceGraph.Security s) {
        return switch (s) {
            case MUTUAL_TLS -> "color=darkgreen, style=solid";
            case PLAINTEXT -> "color=red, style=dashed";
            case MIXED -> "color=orange, style=dashed";
            case UNKNOWN, UNKNOWN_NOT_MESHED, UNKNOWN_NOT_SCRAPED -> "color=gray40, style=dotted";
        };
    }

    /** A DOT quoted string: quotes and backslashes escaped, a line break as DOT's {@code \n}. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> { }
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
