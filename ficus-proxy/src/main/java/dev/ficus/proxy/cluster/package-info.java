/** Stage 5: clusters at run time: endpoints, their load balancer's picker and their statistics, kept across snapshot swaps. */
package dev.ficus.proxy.cluster;
