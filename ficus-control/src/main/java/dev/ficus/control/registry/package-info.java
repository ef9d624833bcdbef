/**
 * The workload registry: instances that legacy systems register over REST (with a lease and an
 * optional active health check), published to the translator as synthetic WorkloadEntry resources.
 */
package dev.ficus.control.registry;
