package dev.chainrule.train;

import dev.chainrule.autodiff.Workspace;
import java.util.Arrays;

/**
 * Computes the shards of one step side by side on up to {@code threads} threads — the caller's and
 * {@code threads - 1} helper threads that live as long as this object — and hands each result to the
 * caller, on the caller's thread, in shard order: shard s as soon as it and every shard before it are
 * done. Which thread computes which shard varies from run to run; nothing a shard computes may depend
 * on it (each thread computes a shard alone, with single-threaded products), so the results, and
 * everything the caller makes of them in shard order, are the same bits for every thread count.
 *
 * <p>Each helper computes inside its own {@link Workspace}, whose scope stays open until that helper
 * starts on the next {@link #run} (or this object closes): a helper's results stay valid until the
 * caller's next run. The caller's own shards use whatever workspace the caller has open.
 *
 * <p>A thread that waits — a helper for the next step, the caller for a shard — spins for up to
 * {@link #SPIN_NANOS}, yielding its core to any other runnable thread, before it blocks: a step of a
 * small batch lasts well under a millisecond, and waking a blocked thread costs tens of microseconds.
 *
 * <p>Lifecycle: construct, {@link #run} any number of times from one thread, then {@link #close}.
 */
public final class ShardThreads implements AutoCloseable {
    /** One shard's computation; may run on any of the threads. */
    @FunctionalInterface
    public interface Task<T> {
        /** The result of shard {@code shard}. */
        T compute(int shard);
    }

    /** Receives the results on the caller's thread, in shard order. */
    @FunctionalInterface
    public interface Sink<T> {
        /** Shard {@code shard}'s result. */
        void accept(int shard, T result);
    }

    /** How long a waiting thread spins before it blocks. */
    static final long SPIN_NANOS = 1_000_000;

    private final Object lock = new Object();
    private final Thread[] helpers;
    // written under lock; round and finished are also read without it, to spin on
    private volatile long round;
    private int count;
    private int claimed;
    private volatile int finished;
    private Task<?> task;
    private Object[] results = new Object[0];
    private boolean[] done = new boolean[0];
    private Throwable failure;
    private volatile boolean closed;

    /** Up to {@code threads} threads at once: {@code threads - 1} helpers besides the caller (none for 1). */
    public ShardThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads : " + threads + " (expected: >= 1)");
        }
        helpers = new Thread[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Thread(this::helperLoop, "chainrule-shards-" + (i + 1));
            helpers[i].setDaemon(true);
            helpers[i].start();
        }
    }

    /** The most shards computed at once. */
    public int threads() {
        return helpers.length + 1;
    }

    /**
     * Computes shards 0 … {@code shards} − 1 with {@code task}, side by side, and gives each result to
     * {@code sink} in shard order; returns when every shard is done and given. When a task throws, the
     * shards already started are waited for and the first exception is rethrown; when the sink throws,
     * no further shard starts, and those started are waited for before its exception leaves.
     */
    public <T> void run(int shards, Task<T> task, Sink<T> sink) {
        long current;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("these shard threads are closed");
            }
            if (results.length < shards) {
                results = new Object[shards];
                done = new boolean[shards];
            }
            Arrays.fill(done, 0, shards, false);
            count = shards;
            claimed = 0;
            finished = 0;
            failure = null;
            this.task = task;
            current = ++round;
            if (shards > 1) {
                lock.notifyAll();
            }
        }
        try {
            int delivered = 0;
            while (delivered < shards) {
                int shard = claim(current);
                if (shard >= 0) {
                    computeOne(shard);
                }
                delivered = deliver(delivered, sink, shard < 0);
            }
        } finally {
            synchronized (lock) {
                count = claimed; // no shard starts any more; wait for those that did (a sink may have thrown)
                while (finished < claimed) {
                    awaitUninterruptibly();
                }
                Arrays.fill(results, 0, shards, null);
                this.task = null;
            }
        }
    }

    /**
     * Gives {@code sink} the results from shard {@code from} on that are done, in order; when
     * {@code wait}, first waits for shard {@code from} (or a failure). Returns the next shard to give.
     */
    @SuppressWarnings("unchecked")
    private <T> int deliver(int from, Sink<T> sink, boolean wait) {
        int next = from;
        if (wait) {
            int seen;
            synchronized (lock) {
                seen = done[from] || failure != null ? -1 : finished;
            }
            if (seen >= 0) {
                spinWhileFinishedIs(seen);
            }
        }
        while (true) {
            Object result;
            synchronized (lock) {
                while (wait && next == from && !done[next] && failure == null) {
                    awaitQuietly();
                }
                if (failure != null) {
                    while (finished < claimed) {
                        awaitQuietly();
                    }
                    rethrow(failure);
                }
                if (next == count || !done[next]) {
                    return next;
                }
                result = results[next];
            }
            sink.accept(next, (T) result);
            next++;
        }
    }

    /** The next shard of round {@code current} to compute, or −1 when every one is taken (or the round is over). */
    private int claim(long current) {
        synchronized (lock) {
            if (round != current || claimed == count || failure != null) {
                return -1;
            }
            return claimed++;
        }
    }

    private void computeOne(int shard) {
        Object result = null;
        Throwable thrown = null;
        try {
            result = task.compute(shard);
        } catch (Throwable e) {
            thrown = e;
        }
        synchronized (lock) {
            results[shard] = result;
            done[shard] = true;
            finished++;
            if (thrown != null && failure == null) {
                failure = thrown;
            }
            lock.notifyAll();
        }
    }

    private void helperLoop() {
        Workspace workspace = new Workspace();
        Workspace.Scope scope = null;
        long seen = 0;
        try {
            while (true) {
                spinWhileRoundIs(seen);
                synchronized (lock) {
                    while (round == seen && !closed) {
                        lock.wait();
                    }
                    if (closed) {
                        return;
                    }
                    seen = round;
                }
                if (scope != null) {
                    scope.close(); // the previous round's results are given and used by now
                }
                scope = workspace.open();
                for (int shard = claim(seen); shard >= 0; shard = claim(seen)) {
                    computeOne(shard);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (scope != null) {
                scope.close();
            }
        }
    }

    private void spinWhileRoundIs(long seen) {
        long start = System.nanoTime();
        while (round == seen && !closed && System.nanoTime() - start < SPIN_NANOS) {
            Thread.yield(); // on a busy machine, the thread waited for may need this core
        }
    }

    private void spinWhileFinishedIs(int seen) {
        long start = System.nanoTime();
        while (finished == seen && System.nanoTime() - start < SPIN_NANOS) {
            Thread.yield(); // on a busy machine, the thread waited for may need this core
        }
    }

    private void awaitUninterruptibly() {
        boolean interrupted = false;
        while (true) {
            try {
                lock.wait();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitQuietly() {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the step's shards", e);
        }
    }

    private static void rethrow(Throwable failure) {
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(failure);
    }

    /** Stops the helper threads, waiting for them; idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        for (Thread helper : helpers) {
            try {
                helper.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
