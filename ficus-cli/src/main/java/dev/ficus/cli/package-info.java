/**
 * The {@code ficus} command: one picocli subcommand per user task ({@code validate},
 * {@code version}, later {@code proxy}, {@code control}, {@code up}, {@code bench}). Commands
 * only parse arguments and wire modules; they never hold logic of their own.
 */
package dev.ficus.cli;
