package dev.chainrule.train.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParameterPartitionsTest {
    /** fc1.weight 13x7 (91), fc1.bias 7, fc2.weight 7x3 (21), fc2.bias 3: T = 122. */
    static LinkedHashMap<String, Shape> smallModel() {
        LinkedHashMap<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("fc1.weight", Shape.of(13, 7));
        shapes.put("fc1.bias", Shape.of(7));
        shapes.put("fc2.weight", Shape.of(7, 3));
        shapes.put("fc2.bias", Shape.of(3));
        return shapes;
    }

    private static LinkedHashMap<String, Shape> withEmptyParameters() {
        LinkedHashMap<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("empty.first", Shape.of(0));
        shapes.put("a", Shape.of(4));
        shapes.put("empty.middle", Shape.of(3, 0));
        shapes.put("b", Shape.of(2, 2));
        shapes.put("c", Shape.of(1));
        shapes.put("empty.last", Shape.of(0, 5));
        return shapes;
    }

    @Test
    void partitionsAreBalancedContiguousAndCoverTheFlatVectorPieceByPiece() {
        for (LinkedHashMap<String, Shape> shapes : List.of(smallModel(), withEmptyParameters(),
                Mlp.parameterShapes(ModelSpec.of(5, 4, 3)))) {
            long total = shapes.values().stream().mapToLong(Shape::size).sum();
            long[] offsets = offsets(shapes);
            for (int k = 1; k <= total; k++) {
                ParameterPartitions plan = ParameterPartitions.of(shapes, k);
                String where = shapes.keySet() + " K=" + k;
                assertEquals(k, plan.partitions(), where);
                assertEquals(total, plan.totalElements(), where);
                assertEquals(0, plan.start(0), where);
                assertEquals(total, plan.end(k - 1), where);
                long min = Long.MAX_VALUE;
                long max = Long.MIN_VALUE;
                for (int j = 0; j < k; j++) {
                    if (j > 0) {
                        assertEquals(plan.end(j - 1), plan.start(j), "contiguous: " + where + " partition " + j);
                    }
                    assertEquals(j * total / k, plan.start(j), where);
                    min = Math.min(min, plan.size(j));
                    max = Math.max(max, plan.size(j));
                    long next = plan.start(j);
                    for (int i = 0; i < plan.pieces(j).size(); i++) {
                        Piece piece = plan.pieces(j).get(i);
                        assertEquals(j, piece.partition(), where);
                        assertEquals(i, piece.position(), where);
                        assertEquals(offsets[piece.parameter()] + piece.from(), next, "pieces follow each other: " + where + " " + piece);
                        assertTrue(piece.to() <= offsets[piece.parameter() + 1] - offsets[piece.parameter()], "within: " + where + " " + piece);
                        if (i > 0) {
                            assertTrue(plan.pieces(j).get(i - 1).parameter() < piece.parameter(), "model order: " + where);
                        }
                        next += piece.length();
                    }
                    assertEquals(plan.end(j), next, "the pieces cover the partition: " + where + " partition " + j);
                }
                assertTrue(max - min <= 1, "balanced: " + where);
            }
        }
    }

    @Test
    void eachParameterIsCoveredByItsPiecesInElementOrder() {
        LinkedHashMap<String, Shape> shapes = withEmptyParameters();
        for (int k = 1; k <= 9; k++) {
            ParameterPartitions plan = ParameterPartitions.of(shapes, k);
            for (int p = 0; p < plan.parameterCount(); p++) {
                int next = 0;
                for (Piece piece : plan.piecesOf(p)) {
                    assertEquals(p, piece.parameter());
                    assertEquals(plan.parameterName(p), piece.parameterName());
                    assertEquals(next, piece.from(), "K=" + k + " " + piece);
                    assertEquals(piece, plan.pieces(piece.partition()).get(piece.position()));
                    next = piece.to();
                }
                assertEquals(plan.parameterShape(p).size(), next, "K=" + k + " " + plan.parameterName(p));
            }
        }
        assertEquals(List.of(), ParameterPartitions.of(shapes, 3).piecesOf(0), "an empty parameter has no piece");
    }

    @Test
    void piecesAreCutAtTheTensorBoundaries() {
        ParameterPartitions two = ParameterPartitions.of(smallModel(), 2); // [0, 61) and [61, 122)
        assertEquals(List.of("fc1.weight[0:61]"), names(two, 0));
        assertEquals(List.of("fc1.weight[61:91]", "fc1.bias[0:7]", "fc2.weight[0:21]", "fc2.bias[0:3]"), names(two, 1));
        ParameterPartitions three = ParameterPartitions.of(smallModel(), 3); // [0, 40), [40, 81), [81, 122)
        assertEquals(List.of("fc1.weight[0:40]"), names(three, 0));
        assertEquals(List.of("fc1.weight[40:81]"), names(three, 1));
        assertEquals(List.of("fc1.weight[81:91]", "fc1.bias[0:7]", "fc2.weight[0:21]", "fc2.bias[0:3]"), names(three, 2));
        assertEquals(new Piece(2, 1, 1, "fc1.bias", 0, 7), three.pieces(2).get(1));
        ParameterPartitions seven = ParameterPartitions.of(smallModel(), 7); // 0 17 34 52 69 87 104 122
        assertEquals(List.of("fc1.weight[87:91]", "fc1.bias[0:7]", "fc2.weight[0:6]"), names(seven, 5));
        assertEquals(List.of("fc2.weight[6:21]", "fc2.bias[0:3]"), names(seven, 6));
    }

    @Test
    void aBoundaryOnATensorBoundaryLeavesNoEmptyPiece() {
        LinkedHashMap<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("a", Shape.of(2, 2));
        shapes.put("b", Shape.of(4));
        ParameterPartitions plan = ParameterPartitions.of(shapes, 2);
        assertEquals(List.of("a[0:4]"), names(plan, 0));
        assertEquals(List.of("b[0:4]"), names(plan, 1));
        ParameterPartitions withEmpty = ParameterPartitions.of(withEmptyParameters(), 3); // [0, 3), [3, 6), [6, 9)
        assertEquals(List.of("a[0:3]"), names(withEmpty, 0));
        assertEquals(List.of("a[3:4]", "b[0:2]"), names(withEmpty, 1));
        assertEquals(List.of("b[2:4]", "c[0:1]"), names(withEmpty, 2));
    }

    @Test
    void onePartitionHoldsEveryParameterWholeAndTPartitionsOneElementEach() {
        ParameterPartitions one = ParameterPartitions.of(smallModel(), 1);
        assertEquals(List.of("fc1.weight[0:91]", "fc1.bias[0:7]", "fc2.weight[0:21]", "fc2.bias[0:3]"), names(one, 0));
        ParameterPartitions all = ParameterPartitions.of(smallModel(), 122);
        for (int j = 0; j < 122; j++) {
            assertEquals(1, all.pieces(j).size(), "partition " + j);
            assertEquals(1, all.pieces(j).get(0).length(), "partition " + j);
        }
        assertEquals(List.of("fc1.weight[90:91]"), names(all, 90));
        assertEquals(List.of("fc1.bias[0:1]"), names(all, 91));
        assertEquals(List.of("fc2.bias[2:3]"), names(all, 121));
    }

    @Test
    void piecesNamesAreUniqueAndNeverAParameterName() {
        ParameterPartitions plan = ParameterPartitions.of(smallModel(), 122);
        Set<String> seen = new HashSet<>();
        for (int j = 0; j < plan.partitions(); j++) {
            for (Piece piece : plan.pieces(j)) {
                assertTrue(seen.add(piece.name()), piece.name());
                assertFalse(smallModel().containsKey(piece.name()), piece.name());
            }
        }
        LinkedHashMap<String, Shape> bracketed = new LinkedHashMap<>();
        bracketed.put("fc1.weight[0:2]", Shape.of(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ParameterPartitions.of(bracketed, 1));
        assertEquals("parameter 0 is named 'fc1.weight[0:2]' (expected: a name without '[' or ']', which piece names use)",
                e.getMessage());
        LinkedHashMap<String, Shape> closing = new LinkedHashMap<>();
        closing.put("a", Shape.of(2));
        closing.put("b]", Shape.of(2));
        assertThrows(IllegalArgumentException.class, () -> ParameterPartitions.of(closing, 1));
    }

    @Test
    void aPartitionCountOutsideOneToTIsRejected() {
        for (int k : new int[] {0, -1, 123, Integer.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ParameterPartitions.of(smallModel(), k));
            assertEquals("partitions : " + k + " (expected: 1 <= partitions <= 122, the parameters' element count)", e.getMessage());
        }
        LinkedHashMap<String, Shape> empty = new LinkedHashMap<>();
        empty.put("nothing", Shape.of(0));
        assertThrows(IllegalArgumentException.class, () -> ParameterPartitions.of(empty, 1), "no elements: no K fits");
        assertThrows(IndexOutOfBoundsException.class, () -> ParameterPartitions.of(smallModel(), 2).pieces(2));
    }

    @Test
    void duplicateAndMissingNamesAreRejected() {
        List<Tensor> twice = List.of(Tensor.zeros(DType.FLOAT32, 2).named("w"),
                Tensor.zeros(DType.FLOAT32, 3).named("w"));
        assertEquals("parameter name 'w' appears twice, at positions 0 and 1 (expected: unique names)",
                assertThrows(IllegalArgumentException.class, () -> ParameterPartitions.of(twice, 1)).getMessage());
        List<Tensor> unnamed = List.of(Tensor.zeros(DType.FLOAT32, 2));
        assertEquals("parameter 0 is named null (expected: a name without '[' or ']', which piece names use)",
                assertThrows(IllegalArgumentException.class, () -> ParameterPartitions.of(unnamed, 1)).getMessage());
    }

    @Test
    void theReverseLookupFindsThePiecesOfAParameterRange() {
        ParameterPartitions plan = ParameterPartitions.of(smallModel(), 3); // fc1.weight: [0:40] [40:81] [81:91]
        assertEquals(List.of("fc1.weight[0:40]", "fc1.weight[40:81]"), plan.overlapping(0, 35, 45).stream().map(Piece::name).toList());
        assertEquals(List.of("fc1.weight[40:81]"), plan.overlapping(0, 40, 81).stream().map(Piece::name).toList());
        assertEquals(List.of("fc1.weight[0:40]", "fc1.weight[40:81]", "fc1.weight[81:91]"),
                plan.overlapping(0, 0, 91).stream().map(Piece::name).toList());
        assertEquals(List.of("fc1.weight[81:91]"), plan.overlapping(0, 90, 91).stream().map(Piece::name).toList());
        assertEquals(List.of(), plan.overlapping(0, 40, 40), "an empty range");
        assertEquals(2, plan.overlapping(plan.parameterIndex("fc1.bias"), 0, 7).get(0).partition());
        assertThrows(IndexOutOfBoundsException.class, () -> plan.overlapping(1, 0, 8));
        assertEquals("no parameter is named 'fc3.weight' (expected one of [fc1.weight, fc1.bias, fc2.weight, fc2.bias])",
                assertThrows(IllegalArgumentException.class, () -> plan.parameterIndex("fc3.weight")).getMessage());
    }

    private static List<String> names(ParameterPartitions plan, int partition) {
        return plan.pieces(partition).stream().map(Piece::name).toList();
    }

    private static long[] offsets(LinkedHashMap<String, Shape> shapes) {
        long[] offsets = new long[shapes.size() + 1];
        int p = 0;
        for (Shape shape : shapes.values()) {
            offsets[p + 1] = offsets[p] + shape.size();
            p++;
        }
        return offsets;
    }
}
