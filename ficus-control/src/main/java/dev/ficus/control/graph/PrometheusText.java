package dev.ficus.control.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), the format of a
 * proxy's {@code /stats/prometheus}. Anything the format does not allow is an error naming the
 * line and column: the text comes from another process, and a graph built on a misread counter
 * would be quietly wrong. Runs on the scrape pool, never on an event loop.
 *
 * <p>Accepted: {@code # HELP name text}, {@code # TYPE name counter|gauge|histogram|summary|untyped}
 * (once per name), other {@code #} comments, blank lines, and samples
 * {@code name{label="value",...} value [timestamp]} with Go's float spellings ({@code NaN},
 * {@code +Inf}, {@code -Inf}) and the escapes {@code \\}, {@code \"} and {@code \n} in label values.
 */
public final class PrometheusText {
    /** One sample line. {@code labels} keep their order in the text. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public Sample {
            labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        }

        /** A label's value, or {@code absent} when the series has no such label. */
        public String label(String label, String absent) {
            String v = labels.get(label);
            return v == null ? absent : v;
        }
    }

    /** The text is not valid exposition format; {@link #getMessage()} names the line and column. */
    public static final class FormatException extends Exception {
        private final int line;
        private final int column;

        FormatException(int line, int column, String message) {
            super("line " + line + ", column " + column + ": " + message);
            this.line = line;
            this.column = column;
        }

        public int line() { return line; }

        public int column() { return column; }
    }

    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
    private static final Pattern FLOAT = Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");
    private static final Pattern INT64 = Pattern.compile("-?[0-9]{1,19}");

    private final String text;
    private final Predicate<String> wanted;
    private final List<Sample> out = new ArrayList<>();
    private final Map<String, String> interned = new HashMap<>();
    private int line;
    private int lineStart;
    private int pos;
    private int end; // of the current line

    private PrometheusText(String text, Predicate<String> wanted) {
        this.text = text;
        this.wanted = wanted;
    }

    /** Every sample of {@code text}. */
    public static List<Sample> parse(String text) throws FormatException {
        return parse(text, name -> true);
    }

    /**
     * The samples whose metric name {@code wanted} accepts. Comment lines and the names of every
     * sample are still checked; the rest of a line of an unwanted metric is skipped unread, so a
     * reader interested in a few metrics does not pay for the others' labels.
     */
    public static List<Sample> parse(String text, Predicate<String> wanted) throws FormatException {
        PrometheusText p = new PrometheusText(text, wanted);
        p.run();
        return p.out;
    }

    private void run() throws FormatException {
        Map<String, String> typed = new HashMap<>();
        int start = 0;
        while (start < text.length()) {
            line++;
            int nl = text.indexOf('\n', start);
            end = nl < 0 ? text.length() : nl;
            lineStart = pos = start;
            readLine(typed);
            start = end + 1;
        }
    }

    private void readLine(Map<String, String> typed) throws FormatException {
        skipBlanks();
        if (pos == end) return; // blank line
        if (text.charAt(pos) == '#') {
            comment(typed);
            return;
        }
        String name = metricName();
        if (!wanted.test(name)) return;
        Map<String, String> labels = new LinkedHashMap<>();
        if (pos < end && text.charAt(pos) == '{') labels(labels);
        if (pos == end || !isBlank(text.charAt(pos))) throw error("expected a space and a value after " + (labels.isEmpty() ? "the metric name" : "the labels"));
        skipBlanks();
        double value = value(token());
        skipBlanks();
        if (pos < end) {
            int at = pos;
            String ts = token();
            if (!INT64.matcher(ts).matches()) throw new FormatException(line, at - lineStart + 1, "timestamp '" + ts + "' is not an integer (milliseconds)");
            skipBlanks();
            if (pos < end) throw error("unexpected text after the timestamp");
        }
        out.add(new Sample(name, labels, value));
    }

    private void comment(Map<String, String> typed) throws FormatException {
        pos++; // '#'
        skipBlanks();
        int at = pos;
        String keyword = token();
        if (!keyword.equals("HELP") && !keyword.equals("TYPE")) return; // any other comment
        if (pos == end || !isBlank(text.charAt(pos))) throw error("expected a metric name after # " + keyword);
        skipBlanks();
        String name = metricName();
        if (keyword.equals("HELP")) {
            if (pos < end && !isBlank(text.charAt(pos))) throw error("unexpected character in a metric name");
            return; // the docstring is free text
        }
        if (pos == end || !isBlank(text.charAt(pos))) throw error("expected a type after # TYPE " + name);
        skipBlanks();
        int typeAt = pos;
        String type = token();
        if (!TYPES.contains(type)) {
            throw new FormatException(line, typeAt - lineStart + 1, "unknown metric type '" + type + "' (counter, gauge, histogram, summary, untyped)");
        }
        skipBlanks();
        if (pos < end) throw error("unexpected text after # TYPE " + name + " " + type);
        if (typed.putIfAbsent(name, type) != null) throw new FormatException(line, at - lineStart + 1, "second # TYPE line for " + name);
    }

    private String metricName() throws FormatException {
        int start = pos;
        if (pos < end && isNameStart(text.charAt(pos), true)) {
            pos++;
            while (pos < end && isNameChar(text.charAt(pos), true)) pos++;
        }
        if (pos == start) throw error(pos == end ? "expected a metric name" : "'" + text.charAt(pos) + "' cannot start a metric name");
        return intern(text.substring(start, pos));
    }

    private void labels(Map<String, String> labels) throws FormatException {
        pos++; // '{'
        while (true) {
            skipBlanks();
            if (pos == end) throw error("labels not closed with '}'");
            if (text.charAt(pos) == '}') {
                pos++;
                return;
            }
            int nameAt = pos;
            if (!isNameStart(text.charAt(pos), false)) throw error("'" + text.charAt(pos) + "' cannot start a label name");
            while (pos < end && isNameChar(text.charAt(pos), false)) pos++;
            String name = intern(text.substring(nameAt, pos));
            skipBlanks();
            if (pos == end || text.charAt(pos) != '=') throw error("expected '=' after label " + name);
            pos++;
            skipBlanks();
            if (pos == end || text.charAt(pos) != '"') throw error("expected '\"' to open the value of label " + name);
            pos++;
            String value = labelValue(name);
            if (labels.put(name, value) != null) throw new FormatException(line, nameAt - lineStart + 1, "label " + name + " appears twice");
            skipBlanks();
            if (pos == end) throw error("labels not closed with '}'");
            char c = text.charAt(pos);
            if (c == ',') pos++;
            else if (c != '}') throw error("expected ',' or '}' after the value of label " + name);
        }
    }

    private String labelValue(String label) throws FormatException {
        StringBuilder b = null;
        int start = pos;
        while (true) {
            if (pos == end) throw error("the value of label " + label + " is not closed with '\"'");
            char c = text.charAt(pos);
            if (c == '"') {
                String v = b == null ? text.substring(start, pos) : b.append(text, start, pos).toString();
                pos++;
                return intern(v);
            }
            if (c == '\\') {
                if (b == null) b = new StringBuilder();
                b.append(text, start, pos);
                if (pos + 1 == end) throw error("the value of label " + label + " ends in a lone '\\'");
                char e = text.charAt(pos + 1);
                switch (e) {
                    case '\\' -> b.append('\\');
                    case '"' -> b.append('"');
                    case 'n' -> b.append('\n');
                    default -> throw error("unknown escape '\\" + e + "' in the value of label " + label + " (\\\\, \\\", \\n)");
                }
                pos += 2;
                start = pos;
                continue;
            }
            pos++;
        }
    }

    private double value(String v) throws FormatException {
        int at = pos - v.length();
        return switch (v) {
            case "NaN" -> Double.NaN;
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> {
                if (v.isEmpty()) throw error("expected a value");
                if (!FLOAT.matcher(v).matches()) throw new FormatException(line, at - lineStart + 1, "'" + v + "' is not a number");
                yield Double.parseDouble(v);
            }
        };
    }

    private String token() {
        int start = pos;
        while (pos < end && !isBlank(text.charAt(pos))) pos++;
        return text.substring(start, pos);
    }

    private void skipBlanks() {
        while (pos < end && isBlank(text.charAt(pos))) pos++;
    }

    private static boolean isBlank(char c) { return c == ' ' || c == '\t'; }

    private static boolean isNameStart(char c, boolean colon) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || colon && c == ':';
    }

    private static boolean isNameChar(char c, boolean colon) {
        return isNameStart(c, colon) || c >= '0' && c <= '9';
    }

    /** Label names and values repeat on every line of a histogram: one copy each. */
    private String intern(String s) {
        String had = interned.putIfAbsent(s, s);
        return had == null ? s : had;
    }

    private FormatException error(String message) {
        return new FormatException(line, pos - lineStart + 1, message);
    }
}
