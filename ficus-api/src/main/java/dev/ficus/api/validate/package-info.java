/**
 * Checks that need the typed records or more than one resource: Istio's validation rules, made
 * stricter and clearer. Each kind has a {@code *Checks} class; {@link dev.ficus.api.validate.Validator}
 * runs them all and adds the checks that span kinds.
 */
package dev.ficus.api.validate;
