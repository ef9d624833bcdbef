package dev.ficus.control.ca;

/** A CSR the CA will not sign; the message says why in terms a proxy's operator can act on. */
public final class CsrRefusedException extends IllegalArgumentException {
    public enum Reason {
        /** Not a PKCS#10 request in PEM. */
        MALFORMED,
        /** Its signature does not verify with the key it carries: altered on the way, or forged. */
        BAD_SIGNATURE,
        /** A key the CA does not certify (EC other than P-256/P-384, RSA under 2048 bits, others). */
        UNSUPPORTED_KEY,
        /** It asks for a SPIFFE ID (or another URI) other than the one the CA decided for the caller. */
        FOREIGN_IDENTITY
    }

    private final Reason reason;

    public CsrRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public CsrRefusedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() { return reason; }
}
