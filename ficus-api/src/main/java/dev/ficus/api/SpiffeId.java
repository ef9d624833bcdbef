package dev.ficus.api;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A workload identity as ficus issues it: {@code spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT}.
 * The CA puts it in an X.509 SVID's URI SAN, the proxy reads it from a peer certificate, and
 * AuthorizationPolicy writes it as a <em>principal</em>: the same text without {@code spiffe://}.
 *
 * <p>Syntax follows the SPIFFE ID standard: the trust domain is lowercase letters, digits, '.',
 * '-' and '_'; each path segment is letters, digits, '.', '-' and '_', non-empty and neither
 * {@code .} nor {@code ..}; the whole URI is at most 2048 bytes. Instances are always valid.
 */
public record SpiffeId(String trustDomain, String namespace, String serviceAccount) {

    public static final String SCHEME = "spiffe://";
    private static final int MAX_URI_BYTES = 2048;
    private static final int MAX_TRUST_DOMAIN = 255;
    private static final String FORM = "TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT";

    /** Thrown with a message fit for a user: what is wrong and what is accepted. */
    public static final class InvalidSpiffeIdException extends IllegalArgumentException {
        public InvalidSpiffeIdException(String message) {
            super(message);
        }
    }

    public SpiffeId {
        problem(trustDomain, namespace, serviceAccount).ifPresent(p -> {
            throw new InvalidSpiffeIdException(p);
        });
    }

    /** Parses {@code spiffe://td/ns/NS/sa/SA}. */
    public static SpiffeId parse(String uri) {
        if (uri == null || !uri.startsWith(SCHEME)) {
            throw new InvalidSpiffeIdException("'" + uri + "' does not start with spiffe://; expected spiffe://" + FORM);
        }
        return parsePrincipal(uri.substring(SCHEME.length()));
    }

    /** Parses a principal, {@code td/ns/NS/sa/SA}: a SPIFFE ID without its scheme. */
    public static SpiffeId parsePrincipal(String principal) {
        if (principal == null || principal.isEmpty()) {
            throw new InvalidSpiffeIdException("empty identity; expected " + FORM);
        }
        if (principal.startsWith(SCHEME)) {
            throw new InvalidSpiffeIdException("'" + principal + "' starts with spiffe://; a principal is written without it: '"
                    + principal.substring(SCHEME.length()) + "'");
        }
        String[] parts = principal.split("/", -1);
        if (parts.length != 5 || !parts[1].equals("ns") || !parts[3].equals("sa")) {
            throw new InvalidSpiffeIdException("'" + principal + "' is not of the form " + FORM
                    + ", e.g. cluster.local/ns/default/sa/sleep");
        }
        return new SpiffeId(parts[0], parts[2], parts[4]);
    }

    /** The problem with a principal, or empty when it is a valid identity; never throws. */
    public static Optional<String> principalProblem(String principal) {
        try {
            parsePrincipal(principal);
            return Optional.empty();
        } catch (InvalidSpiffeIdException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** {@code spiffe://td/ns/NS/sa/SA}. */
    public String uri() {
        return SCHEME + principal();
    }

    /** {@code td/ns/NS/sa/SA}, as AuthorizationPolicy's {@code principals} and {@code source.principal} take it. */
    public String principal() {
        return trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    @Override
    public String toString() {
        return uri();
    }

    private static Optional<String> problem(String td, String ns, String sa) {
        if (td == null || td.isEmpty()) return Optional.of("empty trust domain; expected " + FORM);
        if (td.length() > MAX_TRUST_DOMAIN) return Optional.of("trust domain longer than " + MAX_TRUST_DOMAIN + " characters");
        for (int i = 0; i < td.length(); i++) {
            char c = td.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
                String hint = c >= 'A' && c <= 'Z' ? " (trust domains are lowercase)" : "";
                return Optional.of("trust domain '" + td + "' has '" + c + "'" + hint
                        + "; use lowercase letters, digits, '.', '-' and '_'");
            }
        }
        Optional<String> p = segmentProblem("namespace", ns);
        if (p.isPresent()) return p;
        p = segmentProblem("service account", sa);
        if (p.isPresent()) return p;
        int bytes = (SCHEME + td + "/ns/" + ns + "/sa/" + sa).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_URI_BYTES) return Optional.of("SPIFFE ID longer than " + MAX_URI_BYTES + " bytes");
        return Optional.empty();
    }

    private static Optional<String> segmentProblem(String what, String s) {
        if (s == null || s.isEmpty()) return Optional.of("empty " + what + "; expected " + FORM);
        if (s.equals(".") || s.equals("..")) return Optional.of(what + " must not be '" + s + "'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
                return Optional.of(what + " '" + s + "' has '" + c + "'; use letters, digits, '.', '-' and '_'");
            }
        }
        return Optional.empty();
    }
}
