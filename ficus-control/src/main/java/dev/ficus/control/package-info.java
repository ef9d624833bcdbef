/** The control plane: store, registry, push and certificate authority (issue #4). */
package dev.ficus.control;
