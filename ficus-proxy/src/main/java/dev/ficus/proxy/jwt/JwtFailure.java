package dev.ficus.proxy.jwt;

/** Why a presented token was refused; thrown inside the stage only, without a stack trace. */
final class JwtFailure extends Exception {
    private static final long serialVersionUID = 1L;

    JwtFailure(String reason) {
        super(reason, null, false, false);
    }
}
