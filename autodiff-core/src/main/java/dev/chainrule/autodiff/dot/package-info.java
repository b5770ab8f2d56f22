/** Pictures of computational graphs in Graphviz DOT. */
package dev.chainrule.autodiff.dot;
