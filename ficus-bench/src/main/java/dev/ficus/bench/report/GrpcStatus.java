package dev.ficus.bench.report;

/** gRPC status codes by name, as gRPC's own tools print them (and as Fortio's results key them). */
public final class GrpcStatus {
    private static final String[] NAMES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
            "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
            "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};

    private GrpcStatus() {
    }

    /** The name of {@code code}, or the number itself for a code gRPC does not define. */
    public static String name(int code) {
        return code >= 0 && code < NAMES.length ? NAMES[code] : Integer.toString(code);
    }
}
