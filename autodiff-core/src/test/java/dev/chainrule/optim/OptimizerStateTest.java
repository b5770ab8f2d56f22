package dev.chainrule.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Export and import of optimiser state: a resumed run is bit-identical to an uninterrupted one, and bad states are refused. */
class OptimizerStateTest {
    private static final OptimizerSettings SETTINGS = OptimizerSettings.defaults().withWeightDecay(0.01);

    /** Fresh named parameters: a [3, 4] weight and a [3] bias, seeded. */
    static List<Tensor> parameters(DType dtype, long seed) {
        return List.of(Tensor.randn(dtype, seed, 3, 4).named("fc1.weight"), Tensor.randn(dtype, seed + 1, 3).named("fc1.bias"));
    }

    /** Seeded gradients for step {@code step}, shaped like {@link #parameters}. */
    static List<Tensor> gradients(DType dtype, int step) {
        return List.of(Tensor.randn(dtype, 100 + step, 3, 4), Tensor.randn(dtype, 200 + step, 3));
    }

    private static void run(Optimizer optimizer, List<Tensor> params, int fromStep, int toStep) {
        LearningRateSchedule schedule = LearningRateSchedules.create("cosine", 0.05, 6);
        for (int step = fromStep; step < toStep; step++) {
            optimizer.step(params, gradients(params.get(0).dtype(), step), schedule.rate(step));
        }
    }

    private static long[] bits(List<Tensor> tensors) {
        List<Long> out = new ArrayList<>();
        for (Tensor t : tensors) {
            for (int i = 0; i < t.size(); i++) {
                out.add(Double.doubleToRawLongBits(t.getFlat(i)));
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void resumedRunIsBitIdenticalToUninterruptedRun() {
        for (DType dtype : DType.values()) {
            for (String kind : Optimizers.KINDS) {
                List<Tensor> straight = parameters(dtype, 7);
                Optimizer uninterrupted = Optimizers.create(kind, SETTINGS);
                run(uninterrupted, straight, 0, 6);

                List<Tensor> resumed = parameters(dtype, 7);
                Optimizer first = Optimizers.create(kind, SETTINGS);
                run(first, resumed, 0, 3);
                OptimizerState checkpoint = first.exportState();
                assertEquals(3, checkpoint.stepCount());
                Optimizer second = Optimizers.create(kind, SETTINGS);
                second.importState(checkpoint);
                run(second, resumed, 3, 6);

                String what = kind + " " + dtype;
                assertArrayEquals(bits(straight), bits(resumed), what + ": parameters");
                Map<String, Tensor> a = uninterrupted.exportState().buffers();
                Map<String, Tensor> b = second.exportState().buffers();
                assertEquals(a.keySet(), b.keySet(), what + ": buffer names");
                assertArrayEquals(bits(List.copyOf(a.values())), bits(List.copyOf(b.values())), what + ": buffers");
            }
        }
    }

    @Test
    void exportNamesTheBuffersAfterTheParameters() {
        Map<String, List<String>> expected = Map.of(
                "sgd", List.of(),
                "momentum", List.of("fc1.weight.momentum_buffer", "fc1.bias.momentum_buffer"),
                "adam", List.of("fc1.weight.exp_avg", "fc1.weight.exp_avg_sq", "fc1.bias.exp_avg", "fc1.bias.exp_avg_sq"));
        for (String kind : Optimizers.KINDS) {
            Optimizer optimizer = Optimizers.create(kind, SETTINGS);
            OptimizerState fresh = optimizer.exportState();
            assertEquals(kind, fresh.kind());
            assertEquals(0, fresh.stepCount());
            assertTrue(fresh.buffers().isEmpty());
            run(optimizer, parameters(DType.FLOAT32, 1), 0, 2);
            OptimizerState state = optimizer.exportState();
            assertEquals(2, state.stepCount());
            LinkedHashMap<String, Tensor> buffers = state.buffers();
            assertEquals(expected.get(kind), List.copyOf(buffers.keySet()), kind);
            buffers.forEach((name, t) -> {
                assertEquals(name, t.name());
                assertEquals(DType.FLOAT32, t.dtype());
                assertTrue(!t.requiresGrad());
            });
        }
    }

    @Test
    void stateIsADeepCopyBothWays() {
        List<Tensor> params = parameters(DType.FLOAT32, 3);
        List<Tensor> reference = parameters(DType.FLOAT32, 3);
        Optimizer optimizer = Optimizers.create("adam", SETTINGS);
        Optimizer untouched = Optimizers.create("adam", SETTINGS);
        run(optimizer, params, 0, 2);
        run(untouched, reference, 0, 2);

        OptimizerState state = optimizer.exportState();
        state.buffers().values().forEach(t -> t.fill(123));           // a copy: changes nothing
        long[] before = bits(List.copyOf(state.buffers().values()));
        run(optimizer, params, 2, 4);                                    // the optimiser moves on
        assertArrayEquals(before, bits(List.copyOf(state.buffers().values())), "export shares buffers with the optimizer");
        run(untouched, reference, 2, 4);
        assertArrayEquals(bits(reference), bits(params));

        Map<String, Tensor> source = new LinkedHashMap<>(Map.of("fc1.bias.momentum_buffer", Tensor.zeros(DType.FLOAT32, 3)));
        OptimizerState made = OptimizerState.of("momentum", 1, source);
        source.get("fc1.bias.momentum_buffer").fill(5);
        assertEquals(0.0, made.buffers().get("fc1.bias.momentum_buffer").getFlat(0));

        Optimizer imported = Optimizers.create("momentum", SETTINGS);
        imported.importState(made);
        assertEquals(0.0, imported.exportState().buffers().get("fc1.bias.momentum_buffer").getFlat(0));
    }

    @Test
    void importRefusesAnotherKind() {
        Optimizer adam = Optimizers.create("adam", SETTINGS);
        OptimizerState momentum = Optimizers.create("momentum", SETTINGS).exportState();
        assertEquals("cannot import the state of a 'momentum' optimizer into a 'adam' optimizer",
                assertThrows(IllegalArgumentException.class, () -> adam.importState(momentum)).getMessage());
    }

    @Test
    void importRefusesBadNamesAndShapes() {
        Tensor t34 = Tensor.zeros(DType.FLOAT32, 3, 4);
        Tensor t43 = Tensor.zeros(DType.FLOAT32, 4, 3);
        assertImportFails("sgd", state("sgd", 1, "w.momentum_buffer", t34), "state buffer 'w.momentum_buffer' is not named");
        assertImportFails("momentum", state("momentum", 1, "w.exp_avg", t34), "state buffer 'w.exp_avg' is not named");
        assertImportFails("momentum", state("momentum", 1, ".momentum_buffer", t34), "state buffer '.momentum_buffer'");
        assertImportFails("momentum", state("momentum", 0, "w.momentum_buffer", t34), "state at step 0 has buffers");
        assertImportFails("adam", state("adam", 2, "w.exp_avg", t34), "no 'w.exp_avg_sq'");
        assertImportFails("adam", state("adam", 2, "w.exp_avg", t34, "w.exp_avg_sq", t43), "'w.exp_avg_sq' is [4, 3]");
        assertImportFails("adam", state("adam", 2, "w.exp_avg", t34, "w.exp_avg_sq", t34.to(DType.FLOAT64)),
                "'w.exp_avg_sq' is [3, 4] float64 (expected: [3, 4] float32");
    }

    @Test
    void importRefusesALayoutOtherThanTheOneHeld() {
        Optimizer optimizer = Optimizers.create("momentum", SETTINGS);
        run(optimizer, parameters(DType.FLOAT32, 1), 0, 1);
        OptimizerState before = optimizer.exportState();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> optimizer.importState(
                state("momentum", 5, "fc1.weight.momentum_buffer", Tensor.zeros(DType.FLOAT32, 4, 3),
                        "fc1.bias.momentum_buffer", Tensor.zeros(DType.FLOAT32, 3))));
        assertTrue(e.getMessage().startsWith("state buffer 'fc1.weight.momentum_buffer' is [4, 3] float32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> optimizer.importState(
                state("momentum", 5, "fc2.weight.momentum_buffer", Tensor.zeros(DType.FLOAT32, 3, 4))));
        assertTrue(e.getMessage().startsWith("state has no buffer 'fc1.weight.momentum_buffer'"), e.getMessage());
        // refused imports change nothing
        assertEquals(before.stepCount(), optimizer.exportState().stepCount());
        assertArrayEquals(bits(List.copyOf(before.buffers().values())),
                bits(List.copyOf(optimizer.exportState().buffers().values())));
        // a state before the first step resets the optimizer
        optimizer.importState(Optimizers.create("momentum", SETTINGS).exportState());
        assertEquals(0, optimizer.exportState().stepCount());
        assertTrue(optimizer.exportState().buffers().isEmpty());
    }

    @Test
    void stepRefusesImportedStateThatDoesNotFitTheParameters() {
        List<Tensor> params = parameters(DType.FLOAT32, 1);
        List<Tensor> grads = gradients(DType.FLOAT32, 0);

        Optimizer wrongShape = Optimizers.create("momentum", SETTINGS);
        wrongShape.importState(state("momentum", 3, "fc1.weight.momentum_buffer", Tensor.zeros(DType.FLOAT32, 4, 3),
                "fc1.bias.momentum_buffer", Tensor.zeros(DType.FLOAT32, 3)));
        assertStepFails(wrongShape, params, grads, "optimizer state 'fc1.weight.momentum_buffer' is [4, 3] float32"
                + " (expected: [3, 4] float32, like parameter 'fc1.weight')");

        Optimizer missing = Optimizers.create("adam", SETTINGS);
        missing.importState(state("adam", 3, "fc1.weight.exp_avg", Tensor.zeros(DType.FLOAT32, 3, 4),
                "fc1.weight.exp_avg_sq", Tensor.zeros(DType.FLOAT32, 3, 4)));
        assertStepFails(missing, params, grads, "parameter 'fc1.bias' has no optimizer state 'fc1.bias.exp_avg'");

        Optimizer extra = Optimizers.create("momentum", SETTINGS);
        run(extra, params, 0, 1);
        assertStepFails(extra, List.of(params.get(0)), List.of(grads.get(0)),
                "optimizer state ['fc1.bias.momentum_buffer'] belongs to no parameter of this step");
    }

    @Test
    void stateOfChecksItsArguments() {
        assertEquals("stepCount : -1 (expected: >= 0)", assertThrows(IllegalArgumentException.class,
                () -> OptimizerState.of("adam", -1, Map.of())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> OptimizerState.of(" ", 0, Map.of()));
        Map<String, Tensor> withNull = new LinkedHashMap<>();
        withNull.put("w.exp_avg", null);
        assertEquals("buffer 'w.exp_avg' is null", assertThrows(IllegalArgumentException.class,
                () -> OptimizerState.of("adam", 1, withNull)).getMessage());
    }

    @Test
    void checkStateFindsWhatTheNextStepWouldRefuseAndChangesNothing() {
        List<Tensor> parameters = parameters(DType.FLOAT32, 1);
        Optimizer fresh = Optimizers.create("momentum", SETTINGS);
        fresh.checkState(state("momentum", 2, "fc1.weight.momentum_buffer", Tensor.zeros(DType.FLOAT32, 3, 4),
                "fc1.bias.momentum_buffer", Tensor.zeros(DType.FLOAT32, 3)), parameters);
        // importState alone accepts these into a fresh optimiser; only the parameters show they do not fit
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fresh.checkState(state("momentum", 2,
                "fc1.weight.momentum_buffer", Tensor.zeros(DType.FLOAT32, 4, 3), "fc1.bias.momentum_buffer", Tensor.zeros(DType.FLOAT32, 3)),
                parameters));
        assertTrue(e.getMessage().startsWith("optimizer state 'fc1.weight.momentum_buffer' is [4, 3] float32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fresh.checkState(state("momentum", 2,
                "fc1.bias.momentum_buffer", Tensor.zeros(DType.FLOAT32, 3)), parameters));
        assertTrue(e.getMessage().startsWith("parameter 'fc1.weight' has no optimizer state"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fresh.checkState(Optimizers.create("adam", SETTINGS).exportState(),
                parameters));
        assertEquals("cannot import the state of a 'adam' optimizer into a 'momentum' optimizer", e.getMessage());
        assertEquals(0, fresh.exportState().stepCount(), "checking imports nothing");
    }

    private static OptimizerState state(String kind, long step, Object... namesAndTensors) {
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        for (int i = 0; i < namesAndTensors.length; i += 2) {
            buffers.put((String) namesAndTensors[i], (Tensor) namesAndTensors[i + 1]);
        }
        return OptimizerState.of(kind, step, buffers);
    }

    private static void assertImportFails(String kind, OptimizerState state, String messagePart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.create(kind, SETTINGS).importState(state));
        assertTrue(e.getMessage().contains(messagePart), "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
    }

    private static void assertStepFails(Optimizer optimizer, List<Tensor> params, List<Tensor> grads, String messagePart) {
        long[] before = bits(params);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> optimizer.step(params, grads, 0.1));
        assertTrue(e.getMessage().contains(messagePart), "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
        assertArrayEquals(before, bits(params), "a refused step changed a parameter");
    }
}
