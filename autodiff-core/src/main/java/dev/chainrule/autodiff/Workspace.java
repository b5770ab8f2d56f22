package dev.chainrule.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Recycles the float32 buffers of a computation that repeats with the same shapes, such as a
 * training step: while a scope of the workspace is open on a thread, every float32 tensor created
 * on that thread takes a buffer returned by an earlier scope (or a new one), and closing the scope
 * returns them all. After the first repetition, a step allocates no tensor memory.
 *
 * <p>Every tensor created inside a scope is invalid once it closes: its buffer will hold another
 * tensor's values. Copy out what must outlive the scope (or create it before opening the scope,
 * or with {@link Storage#allocateLasting}). Scopes nest; one workspace belongs to one thread at a
 * time.
 */
public final class Workspace {
    private static final ThreadLocal<Workspace> ACTIVE = new ThreadLocal<>();

    private final Map<Integer, ArrayDeque<Storage.Direct>> free = new HashMap<>();
    private final List<Storage.Direct> lent = new ArrayList<>();
    private boolean open;

    /** Opens a scope on the calling thread; close it (try-with-resources) to recycle its buffers. */
    public Scope open() {
        if (open) {
            throw new IllegalStateException("this workspace already has an open scope");
        }
        open = true;
        Workspace previous = ACTIVE.get();
        ACTIVE.set(this);
        return new Scope(this, previous);
    }

    /** Number of buffers this workspace holds for reuse. */
    public int buffers() {
        int n = lent.size();
        for (ArrayDeque<Storage.Direct> q : free.values()) {
            n += q.size();
        }
        return n;
    }

    /** A recycled buffer of exactly {@code length} floats from the calling thread's open scope; null when none is open or none is left. */
    static Storage.Direct take(int length) {
        Workspace ws = ACTIVE.get();
        if (ws == null) {
            return null;
        }
        ArrayDeque<Storage.Direct> q = ws.free.get(length);
        Storage.Direct b = q == null ? null : q.poll();
        if (b == null) {
            b = Storage.newDirect(length);
        }
        ws.lent.add(b);
        return b;
    }

    private void recycle() {
        for (Storage.Direct b : lent) {
            free.computeIfAbsent(b.floats().capacity(), k -> new ArrayDeque<>()).push(b);
        }
        lent.clear();
        open = false;
    }

    /** An open scope of a workspace; closing it recycles every buffer taken since it opened. */
    public static final class Scope implements AutoCloseable {
        private final Workspace workspace;
        private final Workspace previous;
        private boolean closed;

        private Scope(Workspace workspace, Workspace previous) {
            this.workspace = workspace;
            this.previous = previous;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            if (ACTIVE.get() != workspace) {
                throw new IllegalStateException("workspace scopes must be closed in the reverse order of opening, on their thread");
            }
            closed = true;
            workspace.recycle();
            if (previous == null) {
                ACTIVE.remove();
            } else {
                ACTIVE.set(previous);
            }
        }
    }
}
