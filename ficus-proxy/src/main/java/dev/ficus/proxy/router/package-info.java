/** Stage 4, the terminal stage: forwards a matched request to an upstream and streams the answer back. */
package dev.ficus.proxy.router;
