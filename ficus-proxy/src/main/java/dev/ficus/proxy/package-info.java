/** The data plane: one package per stage of the request path (issue #3). */
package dev.ficus.proxy;
