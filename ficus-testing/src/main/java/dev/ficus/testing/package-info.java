/** Test fixtures shared by every module's tests: real servers on port 0, certificates, clocks. */
package dev.ficus.testing;
