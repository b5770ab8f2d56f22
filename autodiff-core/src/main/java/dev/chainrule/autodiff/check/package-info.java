/** Numerical checks of analytical gradients. */
package dev.chainrule.autodiff.check;
