/**
 * Loading configuration: files, directories and stdin become a {@link dev.ficus.api.config.ConfigSet}
 * of typed resources plus the {@link dev.ficus.api.config.Diagnostic}s found on the way.
 */
package dev.ficus.api.config;
