package dev.ficus.api.networking;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Host names as Istio resources write them: FQDNs, short names that resolve against a namespace,
 * and wildcards ({@code *}, {@code *.example.com}). Used by validation and by the translator, which
 * must agree on which names denote the same service.
 */
public final class Hosts {
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
    /** The cluster domain that short names are completed with. */
    public static final String CLUSTER_SUFFIX = "svc.cluster.local";

    private Hosts() {
    }

    /**
     * Why {@code host} is not a DNS name or wildcard host, or empty when it is one. Accepted:
     * {@code *}, a name of RFC 1123 labels ({@code reviews}, {@code reviews.prod.svc.cluster.local}),
     * optionally prefixed by {@code *.}.
     */
    public static Optional<String> problem(String host) {
        if (host == null || host.isEmpty()) return Optional.of("empty host");
        if (host.equals("*")) return Optional.empty();
        String name = host.startsWith("*.") ? host.substring(2) : host;
        if (name.contains("*")) {
            return Optional.of("a wildcard may only be the whole first label, as in '*' or '*.example.com'");
        }
        if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
        if (name.length() > 253) return Optional.of("longer than 253 characters");
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return Optional.of(label.isEmpty() ? "empty label between dots"
                        : "label '" + label + "' must be 1-63 letters, digits or '-', starting and ending with a letter or digit");
            }
        }
        return Optional.empty();
    }

    public static boolean isIp(String s) {
        return s != null && (IPV4.matcher(s).matches() || (s.contains(":") && IPV6.matcher(s).matches()));
    }

    /** Whether {@code s} is an IP or a CIDR block ({@code 10.0.0.0/8}, {@code fd00::/8}). */
    public static boolean isIpOrCidr(String s) {
        if (s == null) return false;
        int slash = s.indexOf('/');
        if (slash < 0) return isIp(s);
        String ip = s.substring(0, slash);
        String bits = s.substring(slash + 1);
        if (!isIp(ip) || !bits.matches("\\d{1,3}")) return false;
        int max = ip.contains(":") ? 128 : 32;
        return Integer.parseInt(bits) <= max;
    }

    /**
     * The fully qualified name of {@code host} seen from {@code namespace}, as Istio resolves short
     * names: a name without a dot ({@code reviews}) becomes {@code reviews.NS.svc.cluster.local};
     * names with a dot ({@code example.com}, {@code reviews.shop.svc.cluster.local}), IPs and
     * wildcards are kept as they are (lower-cased).
     */
    public static String fqdn(String host, String namespace) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        if (h.contains("*") || isIp(h)) return h;
        int dots = (int) h.chars().filter(c -> c == '.').count();
        if (dots == 0) return h + "." + namespace + "." + CLUSTER_SUFFIX;
        return h;
    }

    /** Whether the (possibly wildcard) host {@code pattern} covers the concrete FQDN {@code fqdn}. */
    public static boolean covers(String pattern, String fqdn) {
        if (pattern.equals("*")) return true;
        if (pattern.startsWith("*.")) return fqdn.endsWith(pattern.substring(1));
        return pattern.equals(fqdn);
    }
}
