/**
 * Benchmark mains that print tables of measured figures and ratios; the scripts in {@code bench/}
 * build and run them.
 */
package dev.chainrule.bench;
