package dev.ficus.api.config;

import java.util.Locale;

/** How bad a diagnostic is: errors refuse the configuration, warnings do not. */
public enum Severity {
    ERROR, WARNING;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
