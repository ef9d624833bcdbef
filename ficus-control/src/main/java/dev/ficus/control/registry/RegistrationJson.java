package dev.ficus.control.registry;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.ficus.api.Durations;
import dev.ficus.api.networking.Hosts;

import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the JSON body of {@code POST /v1/workloads} into a {@link Registration}: strict JSON
 * (no comments, no single quotes, no duplicate keys), known fields only, every value checked, so
 * that whatever a legacy system sends either registers or is refused with the field to fix.
 *
 * <pre>{@code
 * {"name": "billing-1", "namespace": "shop", "address": "10.0.0.7",
 *  "ports": {"http": 19200}, "labels": {"app": "billing"}, "serviceAccount": "billing",
 *  "weight": 1, "ttl": "30s",
 *  "probe": {"httpGet": {"path": "/healthz", "port": 19200},    // or "tcpSocket": {"port": 19200}
 *            "periodSeconds": 5, "timeoutSeconds": 1, "failureThreshold": 3}}
 * }</pre>
 * Runs on the event loop of the REST API: it is bounded by the body (64 KiB) and never blocks.
 */
public final class RegistrationJson {
    private RegistrationJson() {
    }

    private static final Set<String> FIELDS = Set.of(
            "name", "namespace", "address", "ports", "labels", "serviceAccount", "weight", "ttl", "probe");
    private static final Set<String> PROBE_FIELDS = Set.of(
            "httpGet", "tcpSocket", "periodSeconds", "timeoutSeconds", "failureThreshold");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern PORT_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern WHOLE_NUMBER = Pattern.compile("-?[0-9]{1,12}");
    private static final Pattern POSITION = Pattern.compile("at line (\\d+) column (\\d+)");
    private static final int MAX_DEPTH = 16;

    /** A JSON number, kept as its text so that no huge exponent is ever expanded. */
    private record Num(String text) {
    }

    /** JSON null, which a field treats as absent. */
    private enum Null { NULL }

    public static Registration parse(String body) throws InvalidRegistrationException {
        Map<String, Object> top = object(read(body), null);
        for (String k : top.keySet()) {
            if (!FIELDS.contains(k)) throw unknown(k, FIELDS);
        }
        String name = dnsLabel(top, "name", true);
        String namespace = dnsLabel(top, "namespace", false);
        String address = address(top);
        Map<String, Integer> ports = new LinkedHashMap<>();
        Object p = top.get("ports");
        if (present(p)) {
            for (Map.Entry<String, Object> e : object(p, "ports").entrySet()) {
                String path = "ports." + e.getKey();
                if (!PORT_NAME.matcher(e.getKey()).matches() || e.getKey().length() > 63) {
                    throw new InvalidRegistrationException(path, "port name '" + e.getKey()
                            + "' must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
                }
                ports.put(e.getKey(), port(e.getValue(), path));
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        Object l = top.get("labels");
        if (present(l)) {
            for (Map.Entry<String, Object> e : object(l, "labels").entrySet()) {
                String path = "labels." + e.getKey();
                labelKey(e.getKey(), path);
                String value = string(e.getValue(), path);
                if (!value.isEmpty() && (value.length() > 63 || !LABEL_NAME.matcher(value).matches())) {
                    throw new InvalidRegistrationException(path, "label value '" + value
                            + "' must be empty or 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
                }
                labels.put(e.getKey(), value);
            }
        }
        String serviceAccount = null;
        if (present(top.get("serviceAccount"))) {
            serviceAccount = string(top.get("serviceAccount"), "serviceAccount");
            if (serviceAccount.length() > 253 || !DNS_SUBDOMAIN.matcher(serviceAccount).matches()) {
                throw new InvalidRegistrationException("serviceAccount", "service account '" + serviceAccount
                        + "' must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.'");
            }
        }
        Integer weight = null;
        if (present(top.get("weight"))) {
            weight = (int) whole(top.get("weight"), "weight", 0, Integer.MAX_VALUE);
        }
        Duration ttl = null;
        if (present(top.get("ttl"))) {
            String text = string(top.get("ttl"), "ttl");
            try {
                ttl = Durations.parse(text);
            } catch (Durations.DurationFormatException e) {
                throw new InvalidRegistrationException("ttl", e.getMessage());
            }
            if (ttl.compareTo(Registration.MIN_TTL) < 0 || ttl.compareTo(Registration.MAX_TTL) > 0) {
                throw new InvalidRegistrationException("ttl", "ttl must be between 1s and 1h, got '" + text + "'");
            }
        }
        Probe probe = present(top.get("probe")) ? probe(object(top.get("probe"), "probe")) : null;
        return new Registration(name, namespace, address, ports, labels, serviceAccount, weight, ttl, probe);
    }

    private static Probe probe(Map<String, Object> p) throws InvalidRegistrationException {
        for (String k : p.keySet()) {
            if (!PROBE_FIELDS.contains(k)) throw unknown("probe." + k, PROBE_FIELDS);
        }
        boolean http = present(p.get("httpGet"));
        boolean tcp = present(p.get("tcpSocket"));
        if (http == tcp) {
            throw new InvalidRegistrationException("probe", "a probe needs exactly one of httpGet or tcpSocket");
        }
        Probe.Check check;
        if (http) {
            Map<String, Object> g = object(p.get("httpGet"), "probe.httpGet");
            for (String k : g.keySet()) {
                if (!k.equals("path") && !k.equals("port")) throw unknown("probe.httpGet." + k, Set.of("path", "port"));
            }
            String path = present(g.get("path")) ? string(g.get("path"), "probe.httpGet.path") : "/";
            if (!path.startsWith("/") || path.length() > 1024 || !uriSafe(path)) {
                throw new InvalidRegistrationException("probe.httpGet.path", "path must start with '/' and be a valid "
                        + "URI path (at most 1024 characters, no spaces), got '" + path + "'");
            }
            check = new Probe.HttpGet(path, port(required(g, "port", "probe.httpGet.port"), "probe.httpGet.port"));
        } else {
            Map<String, Object> s = object(p.get("tcpSocket"), "probe.tcpSocket");
            for (String k : s.keySet()) {
                if (!k.equals("port")) throw unknown("probe.tcpSocket." + k, Set.of("port"));
            }
            check = new Probe.TcpSocket(port(required(s, "port", "probe.tcpSocket.port"), "probe.tcpSocket.port"));
        }
        Duration period = present(p.get("periodSeconds"))
                ? Duration.ofSeconds(whole(p.get("periodSeconds"), "probe.periodSeconds", 1, 3600)) : Probe.DEFAULT_PERIOD;
        Duration timeout = present(p.get("timeoutSeconds"))
                ? Duration.ofSeconds(whole(p.get("timeoutSeconds"), "probe.timeoutSeconds", 1, 3600)) : Probe.DEFAULT_TIMEOUT;
        int threshold = present(p.get("failureThreshold"))
                ? (int) whole(p.get("failureThreshold"), "probe.failureThreshold", 1, 100) : Probe.DEFAULT_FAILURE_THRESHOLD;
        return new Probe(check, period, timeout, threshold);
    }

    // ---- values ----

    private static boolean present(Object v) {
        return v != null && v != Null.NULL;
    }

    private static Object required(Map<String, Object> m, String key, String path) throws InvalidRegistrationException {
        Object v = m.get(key);
        if (!present(v)) throw new InvalidRegistrationException(path, path + " is required");
        return v;
    }

    private static String dnsLabel(Map<String, Object> m, String key, boolean required) throws InvalidRegistrationException {
        Object v = m.get(key);
        if (!present(v)) {
            if (required) throw new InvalidRegistrationException(key, key + " is required (a DNS-1123 label, e.g. billing-1)");
            return null;
        }
        String s = string(v, key);
        if (s.length() > 63 || !DNS_LABEL.matcher(s).matches()) {
            throw new InvalidRegistrationException(key, key + " '" + s + "' must be a DNS-1123 label: 1-63 lower-case "
                    + "letters, digits or '-', starting and ending with a letter or digit");
        }
        return s;
    }

    private static String address(Map<String, Object> m) throws InvalidRegistrationException {
        Object v = m.get("address");
        if (!present(v)) throw new InvalidRegistrationException("address", "address is required (an IP or a DNS name)");
        String a = string(v, "address");
        if (!Hosts.isIp(a) && (a.contains("*") || a.equals("*") || Hosts.problem(a).isPresent())) {
            throw new InvalidRegistrationException("address", "address '" + a + "' is neither an IP nor a DNS name");
        }
        return a;
    }

    private static void labelKey(String key, String path) throws InvalidRegistrationException {
        int slash = key.indexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        boolean ok = name.length() <= 63 && LABEL_NAME.matcher(name).matches()
                && (prefix == null || prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches());
        if (!ok) {
            throw new InvalidRegistrationException(path, "label key '" + key + "' must be [prefix/]name: a name of 1-63 "
                    + "letters, digits, '-', '_' or '.', and an optional DNS-subdomain prefix");
        }
    }

    private static int port(Object v, String path) throws InvalidRegistrationException {
        return (int) whole(v, path, 1, 65535);
    }

    private static long whole(Object v, String path, long min, long max) throws InvalidRegistrationException {
        if (!(v instanceof Num(String text))) {
            throw new InvalidRegistrationException(path, path + " must be a number, got " + typeOf(v));
        }
        if (!WHOLE_NUMBER.matcher(text).matches()) {
            throw new InvalidRegistrationException(path, path + " must be a whole number between " + min + " and " + max
                    + ", got " + abbreviate(text));
        }
        long n = Long.parseLong(text);
        if (n < min || n > max) {
            throw new InvalidRegistrationException(path, path + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    private static String string(Object v, String path) throws InvalidRegistrationException {
        if (v instanceof String s) return s;
        throw new InvalidRegistrationException(path, path + " must be a string, got " + typeOf(v));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String path) throws InvalidRegistrationException {
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new InvalidRegistrationException(path, (path == null ? "the body" : path) + " must be a JSON object, got " + typeOf(v));
    }

    private static String typeOf(Object v) {
        return switch (v) {
            case null -> "nothing";
            case Null n -> "null";
            case String s -> "a string";
            case Num n -> "a number";
            case Boolean b -> "a boolean";
            case Map<?, ?> m -> "an object";
            default -> "an array";
        };
    }

    private static boolean uriSafe(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '#' || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^'
                    || c == '`' || c == '{' || c == '|' || c == '}') {
                return false;
            }
        }
        try {
            java.net.URI.create("http://h" + path);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static InvalidRegistrationException unknown(String path, Set<String> known) {
        return new InvalidRegistrationException(path, "unknown field '" + abbreviate(path) + "'; known fields are "
                + String.join(", ", new java.util.TreeSet<>(known)));
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }

    // ---- syntax ----

    private static Object read(String body) throws InvalidRegistrationException {
        if (body.isBlank()) {
            throw new InvalidRegistrationException(null, "the body is empty; send a JSON object describing the workload");
        }
        JsonReader r = new JsonReader(new StringReader(body));
        r.setStrictness(Strictness.STRICT);
        r.setNestingLimit(MAX_DEPTH);
        try {
            Object v = value(r, 0);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw syntax("unexpected content after the JSON object at ", r.getPath(), r.toString());
            }
            return v;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // MalformedJsonException and EOFException are IOExceptions; JsonReader reports a wrong
            // token with IllegalStateException; all name the position in their message
            throw syntax(e.getMessage(), null, null);
        }
    }

    private static Object value(JsonReader r, int depth) throws IOException, InvalidRegistrationException {
        return switch (r.peek()) {
            case BEGIN_OBJECT -> {
                if (depth >= MAX_DEPTH) throw syntax("nested too deeply at ", r.getPath(), r.toString());
                Map<String, Object> m = new LinkedHashMap<>();
                r.beginObject();
                while (r.hasNext()) {
                    String key = r.nextName();
                    if (m.containsKey(key)) {
                        throw syntax("duplicate key '" + abbreviate(key) + "' at ", r.getPath(), r.toString());
                    }
                    m.put(key, value(r, depth + 1));
                }
                r.endObject();
                yield m;
            }
            case BEGIN_ARRAY -> {
                if (depth >= MAX_DEPTH) throw syntax("nested too deeply at ", r.getPath(), r.toString());
                java.util.List<Object> list = new java.util.ArrayList<>();
                r.beginArray();
                while (r.hasNext()) list.add(value(r, depth + 1));
                r.endArray();
                yield list;
            }
            case STRING -> r.nextString();
            case NUMBER -> new Num(r.nextString());
            case BOOLEAN -> r.nextBoolean();
            case NULL -> {
                r.nextNull();
                yield Null.NULL;
            }
            default -> throw syntax("unexpected " + r.peek() + " at ", r.getPath(), r.toString());
        };
    }

    /** A syntax error with its position, from a Gson message ("... at line 1 column 7 path $.x"). */
    private static InvalidRegistrationException syntax(String message, String path, String readerText) {
        String text = message == null ? "malformed JSON" : message;
        String where = readerText != null ? readerText : text;
        Matcher m = POSITION.matcher(where);
        int line = 0;
        int column = 0;
        if (m.find()) {
            line = Integer.parseInt(m.group(1));
            column = Integer.parseInt(m.group(2));
        }
        String why = text;
        int at = why.indexOf(" at line ");
        if (at >= 0) why = why.substring(0, at);
        int see = why.indexOf("\nSee ");
        if (see >= 0) why = why.substring(0, see);
        if (why.contains("Strictness") || why.contains("setLenient")) why = "not JSON (names and strings need double quotes; no comments, no trailing commas or content)";
        if (why.endsWith(" at ")) why = why.substring(0, why.length() - 4);
        String position = line > 0 ? " at line " + line + " column " + column : "";
        return new InvalidRegistrationException(path == null ? null : jsonPathToField(path),
                "malformed JSON" + position + ": " + why.strip(), line, column);
    }

    private static String jsonPathToField(String jsonPath) {
        String p = jsonPath.startsWith("$.") ? jsonPath.substring(2) : jsonPath.startsWith("$") ? jsonPath.substring(1) : jsonPath;
        return p.isEmpty() ? null : p;
    }
}
