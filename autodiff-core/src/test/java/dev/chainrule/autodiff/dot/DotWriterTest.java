package dev.chainrule.autodiff.dot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Adjoints;
import dev.chainrule.autodiff.Autograd;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.expression.Expression;
import dev.chainrule.autodiff.expression.ReverseGradient;
import dev.chainrule.autodiff.ops.Ops;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DotWriterTest {
    private static final Pattern NODE = Pattern.compile("^  (n\\d+) \\[shape=(\\w+)(, peripheries=2)?, label=\"(.*)\"\\];$");
    private static final Pattern EDGE = Pattern.compile("^  (n\\d+) -> (n\\d+);$");

    @Test
    void oneNodePerVariableAndOpWithValuesAdjointsAndEdges() {
        // f = x*y + sin(x) at x = 1, y = 2: x is used twice.
        Tensor x = Tensor.scalar(1.0).named("x").requiresGrad(true);
        Tensor y = Tensor.scalar(2.0).named("y").requiresGrad(true);
        Tensor product = Ops.mul(x, y);
        Tensor sine = Ops.sin(x);
        Tensor f = Ops.add(product, sine);
        Adjoints adjoints = Autograd.backward(f, Tensor.scalar(1.0), false);

        Graph graph = Graph.parse(DotWriter.toDot(f, adjoints));

        assertEquals(List.of("x", "y", "mul", "sin", "add"), graph.titles());
        assertEquals(label("x", 1.0, 2 + Math.cos(1.0)), graph.labelOf("x"));
        assertEquals(label("y", 2.0, 1.0), graph.labelOf("y"));
        assertEquals(label("mul", 2.0, 1.0), graph.labelOf("mul"));
        assertEquals(label("sin", Math.sin(1.0), 1.0), graph.labelOf("sin"));
        assertEquals(label("add", 2 + Math.sin(1.0), 1.0), graph.labelOf("add"));
        assertEquals(5, graph.edges.size());
        assertEquals(2, graph.outDegree("x"), "x is one node with two out-edges");
        assertEquals(List.of("x -> mul", "y -> mul", "x -> sin", "mul -> add", "sin -> add"), graph.namedEdges());
        assertEquals("ellipse", graph.shapes.get(graph.id("x")));
        assertEquals("box", graph.shapes.get(graph.id("add")));
        assertEquals(List.of(graph.id("add")), graph.outputs);
    }

    @Test
    void aTensorUsedTwiceByOneOpHasTwoEdgesToIt() {
        Tensor x = Tensor.scalar(3.0).named("x").requiresGrad(true);
        Tensor square = Ops.mul(x, x);
        Graph graph = Graph.parse(DotWriter.toDot(square, Autograd.backward(square, Tensor.scalar(1.0), false)));
        assertEquals(List.of("x", "mul"), graph.titles());
        assertEquals(List.of("x -> mul", "x -> mul"), graph.namedEdges());
        assertEquals(label("x", 3.0, 6.0), graph.labelOf("x"));
    }

    @Test
    void expressionGraphShowsConstantsAndTheirAdjoints() {
        ReverseGradient r = ReverseGradient.compute(Expression.parse("5*x1 + 3*x2 + x1^2"), Map.of("x1", 2.0, "x2", -1.0));
        Graph graph = Graph.parse(DotWriter.toDot(r.evaluation().output(), r.adjoints()));
        // leaves 5, x1, 3, x2 (x1 once); ops mul, mul, pow (constant exponent, folded), add, add
        assertEquals(List.of("5", "x1", "mul", "3", "x2", "mul", "add", "pow ^2.0", "add"), graph.titles());
        assertEquals(label("5", 5.0, 2.0), graph.labelOf("5"));
        assertEquals(label("x1", 2.0, 5.0 + 4.0), graph.labelOf("x1"));
        assertEquals(label("pow ^2.0", 4.0, 1.0), graph.labelOf("pow ^2.0"));
        assertEquals(9, graph.edges.size(), "two per mul and add, one for pow (its exponent is not a node)");
        assertEquals(2, graph.outDegree("x1"));
    }

    @Test
    void withoutAdjointsOrUnreachedNodesTheLabelSaysSo() {
        Tensor x = Tensor.scalar(2.0).named("x").requiresGrad(true);
        Tensor c = Tensor.scalar(3.0);
        Tensor f = Ops.mul(x, c);
        assertFalse(DotWriter.toDot(f).contains("adjoint"));
        Graph graph = Graph.parse(DotWriter.toDot(f, Autograd.backward(f, Tensor.scalar(1.0), false)));
        assertEquals("leaf\\nvalue = 3.0\\nadjoint = (not reached)", graph.labels.get(1));
    }

    @Test
    void labelsAreEscaped() {
        Tensor x = Tensor.scalar(1.0).named("say \"hi\" \\ bye");
        assertTrue(DotWriter.toDot(x).contains("label=\"say \\\"hi\\\" \\\\ bye\\nvalue = 1.0\""));
    }

    @Test
    void deepGraphsAreWalkedWithoutRecursion() {
        Tensor x = Tensor.scalar(0.0).named("x").requiresGrad(true);
        Tensor one = Tensor.scalar(1.0).named("one");
        Tensor t = x;
        int depth = 200_000;
        for (int i = 0; i < depth; i++) {
            t = Ops.add(t, one);
        }
        Graph graph = Graph.parse(DotWriter.toDot(t));
        assertEquals(depth + 2, graph.labels.size());
        assertEquals(2 * depth, graph.edges.size());
    }

    private static String label(String title, double value, double adjoint) {
        return title + "\\nvalue = " + value + "\\nadjoint = " + adjoint;
    }

    /** The nodes and edges of DOT text in the shape DotWriter writes it. */
    private record Graph(List<String> ids, List<String> labels, Map<String, String> shapes, List<String> outputs,
                         List<String[]> edges) {

        static Graph parse(String dot) {
            List<String> lines = dot.lines().toList();
            assertEquals("digraph chainrule {", lines.get(0));
            assertEquals("}", lines.get(lines.size() - 1));
            List<String> ids = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            Map<String, String> shapes = new HashMap<>();
            List<String> outputs = new ArrayList<>();
            List<String[]> edges = new ArrayList<>();
            for (String line : lines) {
                Matcher node = NODE.matcher(line);
                Matcher edge = EDGE.matcher(line);
                if (node.matches()) {
                    ids.add(node.group(1));
                    shapes.put(node.group(1), node.group(2));
                    labels.add(node.group(4));
                    if (node.group(3) != null) {
                        outputs.add(node.group(1));
                    }
                } else if (edge.matches()) {
                    edges.add(new String[] {edge.group(1), edge.group(2)});
                }
            }
            return new Graph(ids, labels, shapes, outputs, edges);
        }

        List<String> titles() {
            return labels.stream().map(l -> l.substring(0, l.indexOf("\\n"))).toList();
        }

        String id(String title) {
            return ids.get(titles().indexOf(title));
        }

        String labelOf(String title) {
            return labels.get(titles().indexOf(title));
        }

        int outDegree(String title) {
            String id = id(title);
            return (int) edges.stream().filter(e -> e[0].equals(id)).count();
        }

        List<String> namedEdges() {
            return edges.stream().map(e -> titles().get(ids.indexOf(e[0])) + " -> " + titles().get(ids.indexOf(e[1]))).toList();
        }
    }
}
