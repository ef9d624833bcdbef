/**
 * Binds YAML nodes to resource records by reflection: the records are the schema. Each problem
 * (unknown field, wrong type, bad value) becomes a {@link dev.ficus.api.config.Diagnostic} with
 * its position and field path; binding never throws for any input.
 */
package dev.ficus.api.bind;
