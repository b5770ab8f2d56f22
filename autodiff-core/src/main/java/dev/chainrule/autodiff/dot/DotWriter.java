package dev.chainrule.autodiff.dot;

import dev.chainrule.autodiff.Adjoints;
import dev.chainrule.autodiff.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the computational graph that produced a tensor in Graphviz DOT (render it with e.g.
 * {@code dot -Tsvg graph.dot -o graph.svg}).
 *
 * <p>One node per tensor reached from the output through {@link Tensor#gradFn()} and its {@code
 * inputs()}: leaves (ellipses) are labelled with {@link Tensor#name()}, operations (boxes) with the
 * op's name (and the output tensor's name, if it has one), and every label shows the forward value
 * and, when {@link Adjoints} are given, the adjoint t = ∂output/∂node as {@code adjoint = ...}. One
 * edge per input of each op, from input to output, so a tensor used twice is one node with two
 * out-edges. The output has a double border. The graph is walked with an explicit stack, so deep
 * graphs do not overflow the Java stack; nodes are numbered parents first.
 */
public final class DotWriter {
    private static final int MAX_LISTED_ELEMENTS = 6;

    private DotWriter() {
    }

    /** The DOT text of the graph of {@code output}, with values only. */
    public static String toDot(Tensor output) {
        return toDot(output, null);
    }

    /** The DOT text of the graph of {@code output}, labelled with values and adjoints (if not null). */
    public static String toDot(Tensor output, Adjoints adjoints) {
        StringBuilder text = new StringBuilder();
        try {
            write(output, adjoints, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringBuilder does not throw
        }
        return text.toString();
    }

    /** Appends the DOT text of the graph of {@code output} to {@code out}. */
    public static void write(Tensor output, Adjoints adjoints, Appendable out) throws IOException {
        List<Tensor> order = parentsFirst(output);
        Map<Tensor, Integer> ids = new IdentityHashMap<>();
        for (Tensor node : order) {
            ids.put(node, ids.size());
        }
        out.append("digraph chainrule {\n");
        out.append("  rankdir=LR;\n");
        out.append("  node [fontname=\"Helvetica\"];\n");
        for (Tensor node : order) {
            out.append("  n").append(String.valueOf(ids.get(node)))
                    .append(" [shape=").append(node.isLeaf() ? "ellipse" : "box")
                    .append(node == output ? ", peripheries=2" : "")
                    .append(", label=\"").append(escape(label(node, adjoints))).append("\"];\n");
        }
        for (Tensor node : order) {
            if (!node.isLeaf()) {
                for (Tensor input : node.gradFn().inputs()) {
                    out.append("  n").append(String.valueOf(ids.get(input)))
                            .append(" -> n").append(String.valueOf(ids.get(node))).append(";\n");
                }
            }
        }
        out.append("}\n");
    }

    /** Name or op, value, adjoint: one per line. */
    private static String label(Tensor node, Adjoints adjoints) {
        String title;
        if (node.isLeaf()) {
            title = node.name() != null ? node.name() : "leaf";
        } else {
            title = node.gradFn().name() + (node.name() != null ? " " + node.name() : "");
        }
        StringBuilder label = new StringBuilder(title).append("\nvalue = ").append(format(node));
        if (adjoints != null) {
            Tensor adjoint = adjoints.of(node);
            label.append("\nadjoint = ").append(adjoint == null ? "(not reached)" : format(adjoint));
        }
        return label.toString();
    }

    private static String format(Tensor t) {
        if (t.size() == 1) {
            return Double.toString(t.item());
        }
        return t.size() <= MAX_LISTED_ELEMENTS
                ? Arrays.toString(t.toDoubleArray()) + " " + t.shape()
                : t.shape() + " " + t.dtype().name().toLowerCase();
    }

    /** Quotes for a DOT string: backslash and double quote escaped, newlines as DOT's \n. */
    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Every tensor that leads to {@code output}, each after all of its inputs; iterative depth-first search. */
    private static List<Tensor> parentsFirst(Tensor output) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        Deque<Frame> stack = new ArrayDeque<>();
        seen.put(output, Boolean.TRUE);
        stack.push(new Frame(output));
        while (!stack.isEmpty()) {
            Frame frame = stack.peek();
            if (frame.next < frame.inputs.size()) {
                Tensor input = frame.inputs.get(frame.next++);
                if (seen.put(input, Boolean.TRUE) == null) {
                    stack.push(new Frame(input));
                }
            } else {
                stack.pop();
                order.add(frame.node);
            }
        }
        return order;
    }

    /** A node on the search stack and how many of its inputs have been explored. */
    private static final class Frame {
        final Tensor node;
        final List<Tensor> inputs;
        int next;

        Frame(Tensor node) {
            this.node = node;
            this.inputs = node.isLeaf() ? List.of() : node.gradFn().inputs();
        }
    }
}
