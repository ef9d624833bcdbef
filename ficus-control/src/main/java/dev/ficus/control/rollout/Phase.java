package dev.ficus.control.rollout;

/** Where a rollout (or one strangler route) stands. */
public enum Phase {
    /** Steps are running. */
    PROGRESSING,
    /** A user paused it: nothing moves, no deadline runs, until resumed. */
    PAUSED,
    /** Every step passed: the candidate takes all traffic. */
    SUCCEEDED,
    /** Checks failed, the deadline passed or a user undid it: all traffic back on stable. */
    ROLLED_BACK,
    /** A user aborted it: all traffic back on stable. */
    ABORTED;

    public boolean terminal() { return this == SUCCEEDED || this == ROLLED_BACK || this == ABORTED; }

    public String label() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }
}
