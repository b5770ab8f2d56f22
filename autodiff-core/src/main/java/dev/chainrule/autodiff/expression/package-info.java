/**
 * A small expression language over scalars, differentiated by the engine.
 *
 * <p>The pipeline: {@link dev.chainrule.autodiff.expression.Lexer} turns the text into tokens,
 * {@link dev.chainrule.autodiff.expression.Parser} turns the tokens into an {@link
 * dev.chainrule.autodiff.expression.Expr} tree (operator precedence with explicit stacks, so deep
 * nesting cannot overflow the Java stack), {@link dev.chainrule.autodiff.expression.Evaluator} turns the
 * tree into a graph of rank-0 float64 tensors built with {@code Ops}, and {@link
 * dev.chainrule.autodiff.expression.ReverseGradient} or {@link
 * dev.chainrule.autodiff.expression.ForwardGradient} differentiates that graph. {@link
 * dev.chainrule.autodiff.expression.Expression} is the entry point.
 */
package dev.chainrule.autodiff.expression;
