/**
 * The rollout controller: drives the VirtualServices named by Rollout resources (canary,
 * blue-green, big bang, strangler fig, parallel run) step by step, checks the candidate against
 * the mesh's own telemetry (and Prometheus, and webhooks) at every interval, rolls back on its own,
 * and keeps its state in a directory so that a restarted control plane resumes where it was.
 *
 * <p>The controller never edits a user's files: it overlays the routes it drives on the
 * configuration the control plane translates ({@link dev.ficus.control.rollout.RolloutOverlay}).
 */
package dev.ficus.control.rollout;
