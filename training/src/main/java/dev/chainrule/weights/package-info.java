/**
 * Model weights in the safetensors format, the header's JSON read and written with Jackson's
 * streaming parser and generator: read and write named float32 tensors
 * ({@link dev.chainrule.weights.SafetensorsFile}), the check that a file fits a model before its
 * weights are used ({@link dev.chainrule.weights.WeightsValidator}), and an MLP's weights as a file
 * ({@link dev.chainrule.weights.ModelWeights}), named as PyTorch names the parameters of a module
 * with Linear layers {@code fc1, fc2, ...}.
 *
 * <p>Every problem with a file is a {@link dev.chainrule.weights.WeightsFileException} whose message
 * names the file and says what was expected and what was found. {@code tools/interop/safetensors_torch.py}
 * loads files written here into PyTorch and writes PyTorch weights for the tests.
 */
package dev.chainrule.weights;
