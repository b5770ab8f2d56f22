/**
 * Tensors and reverse-mode and forward-mode automatic differentiation over a recorded graph.
 *
 * <p>Start with {@link dev.chainrule.autodiff.Tensor}, the ops in {@code ops}, and
 * {@link dev.chainrule.autodiff.Autograd}, whose javadoc states the reverse-mode algorithm.
 */
package dev.chainrule.autodiff;
