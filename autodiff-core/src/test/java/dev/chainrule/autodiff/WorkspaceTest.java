package dev.chainrule.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** Buffers are recycled between scopes, zeroed when asked for zeros, and never shared inside a scope. */
class WorkspaceTest {

    @Test
    void aSecondScopeReusesTheBuffersOfTheFirst() {
        Workspace ws = new Workspace();
        FloatBuffer first;
        try (Workspace.Scope ignored = ws.open()) {
            first = buffer(Tensor.zeros(DType.FLOAT32, 3, 4));
            Tensor.zeros(DType.FLOAT32, 5);
        }
        assertEquals(2, ws.buffers());
        try (Workspace.Scope ignored = ws.open()) {
            assertSame(first, buffer(Tensor.zeros(DType.FLOAT32, 4, 3)), "same length, same buffer");
            Tensor.zeros(DType.FLOAT32, 12);
        }
        assertEquals(3, ws.buffers(), "a second tensor of 12 elements in one scope needs a second buffer");
    }

    @Test
    void recycledZerosAreZeroAndCopiesHoldTheirValues() {
        Workspace ws = new Workspace();
        try (Workspace.Scope ignored = ws.open()) {
            Tensor.full(DType.FLOAT32, 7, Shape.of(6));
        }
        try (Workspace.Scope ignored = ws.open()) {
            assertArrayEquals(new float[6], Tensor.zeros(DType.FLOAT32, 6).toFloatArray());
        }
        try (Workspace.Scope ignored = ws.open()) {
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 6).toFloatArray());
        }
    }

    @Test
    void tensorsOutsideAScopeAndLastingOnesAreNotRecycled() {
        Workspace ws = new Workspace();
        Tensor before = Tensor.zeros(DType.FLOAT32, 8);
        Storage lasting;
        try (Workspace.Scope ignored = ws.open()) {
            lasting = Storage.allocateLasting(DType.FLOAT32, 8);
            Tensor.zeros(DType.FLOAT64, 8);
        }
        assertEquals(0, ws.buffers());
        try (Workspace.Scope ignored = ws.open()) {
            FloatBuffer inside = buffer(Tensor.zeros(DType.FLOAT32, 8));
            assertNotSame(buffer(before), inside);
            assertNotSame(((Storage.Float32) lasting).buffer(), inside);
        }
    }

    @Test
    void leafGradientsOutliveTheScopeOfTheirBackwardPass() {
        Workspace ws = new Workspace();
        Tensor w = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        try (Workspace.Scope ignored = ws.open()) {
            dev.chainrule.autodiff.ops.Ops.sum(dev.chainrule.autodiff.ops.Ops.mul(w, w)).backward();
        }
        try (Workspace.Scope ignored = ws.open()) {
            for (int i = 0; i < 4; i++) {
                Tensor.full(DType.FLOAT32, -9, Shape.of(3));
            }
        }
        assertArrayEquals(new float[] {2, 4, 6}, w.grad().toFloatArray());
    }

    @Test
    void scopesNestAndMustCloseInOrder() {
        Workspace outer = new Workspace();
        Workspace inner = new Workspace();
        Workspace.Scope a = outer.open();
        assertThrows(IllegalStateException.class, outer::open);
        Workspace.Scope b = inner.open();
        Tensor.zeros(DType.FLOAT32, 2);
        assertThrows(IllegalStateException.class, a::close);
        b.close();
        Tensor.zeros(DType.FLOAT32, 3);
        a.close();
        assertEquals(1, inner.buffers());
        assertEquals(1, outer.buffers());
        try (Workspace.Scope again = outer.open()) {
            assertEquals(3, Tensor.zeros(DType.FLOAT32, 3).size());
        }
        assertEquals(1, outer.buffers(), "the 3-element buffer came back and was reused");
    }

    private static FloatBuffer buffer(Tensor t) {
        return ((Storage.Float32) t.storage()).buffer();
    }
}
