/** Numeric kernels that write into caller-supplied outputs; the reference versions are the tests' oracle. */
package dev.chainrule.autodiff.kernels;
