/** The differentiable operations: primitives ({@link dev.chainrule.autodiff.ops.Ops}) and composites built from them ({@link dev.chainrule.autodiff.ops.Functional}). */
package dev.chainrule.autodiff.ops;
