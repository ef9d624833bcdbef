package dev.ficus.api.security;

import java.util.List;

/**
 * Istio's {@code Rule}: matches when at least one {@code from}, at least one {@code to} and every
 * {@code when} condition match; an absent list matches anything. Every string in a rule uses
 * Istio's match forms, see {@link StringMatch}.
 */
public record Rule(List<From> from, List<To> to, List<Condition> when) {

    /** Istio's {@code Rule.From}. */
    public record From(Source source) {
    }

    /** Istio's {@code Rule.To}. */
    public record To(Operation operation) {
    }

    /** True when the rule has no constraint at all and so matches every request. */
    public boolean matchesEverything() {
        return from.isEmpty() && to.isEmpty() && when.isEmpty();
    }
}
