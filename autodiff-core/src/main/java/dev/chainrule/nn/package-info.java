/** Neural-network building blocks on the autodiff engine: Linear layers, activations and the MLP. */
package dev.chainrule.nn;
