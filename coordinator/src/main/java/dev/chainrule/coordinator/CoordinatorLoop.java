package dev.chainrule.coordinator;

import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.metrics.timeline.Track;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The one thread that owns a run's state: it takes the {@link RunEvent}s other threads post, in the
 * order they were posted, and has the {@link RunState} handle each; every {@code tick} it adds a
 * {@link RunEvent.Tick} (between events too, when they keep coming), so that silent workers are
 * dropped and deadlines met. The queue is the only lock left between the gRPC threads, the training
 * thread and the run (as in Netty's event loops or Kafka's controller queue).
 *
 * <p>An exception out of a handler is a coordinator bug: it fails the run (reported to
 * {@code onBug}) and the loop goes on, so that the training thread and the workers hear of it.
 * Lifecycle: {@link #start}, {@link #post} from any thread, {@link #close} once; events posted after
 * that are dropped.
 */
final class CoordinatorLoop implements AutoCloseable {
    /** How long {@link #close} waits for the thread to end. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final RunState state;
    private final long tickNanos;
    private final Consumer<RuntimeException> onBug;
    private final BlockingQueue<RunEvent> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Track track;
    private volatile boolean stopped;

    /** A loop handling events with {@code state}, ticking every {@code tick}; handler failures go to {@code onBug} too. */
    CoordinatorLoop(RunState state, Duration tick, Consumer<RuntimeException> onBug) {
        this(state, tick, onBug, Timeline.off().track("event loop"));
    }

    /** As above, recording on {@code track} each wait for an event (idle) and each event handled. */
    CoordinatorLoop(RunState state, Duration tick, Consumer<RuntimeException> onBug, Track track) {
        this.track = track;
        this.state = state;
        this.tickNanos = tick.toNanos();
        this.onBug = onBug;
        this.thread = new Thread(this::run, "chainrule-coordinator-loop");
        this.thread.setDaemon(true);
    }

    /** Starts the thread. */
    void start() {
        thread.start();
    }

    /** Queues {@code event} for the loop; any thread. */
    void post(RunEvent event) {
        if (!stopped) {
            queue.add(event);
        }
    }

    private void run() {
        long nextTick = System.nanoTime() + tickNanos;
        // each span starts where the one before it ended, so that the loop's spans cover its time
        // without gaps, also when the thread is descheduled between two of them
        long mark = track.now();
        while (!stopped) {
            try {
                long wait = nextTick - System.nanoTime();
                RunEvent event = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : null;
                mark = track.span(TimelineNames.IDLE, mark, -1, -1, -1);
                if (event != null) {
                    handle(event);
                    mark = track.span(TimelineNames.of(event), mark, -1, -1, -1);
                }
                if (System.nanoTime() - nextTick >= 0) {
                    handle(new RunEvent.Tick());
                    mark = track.span(TimelineNames.TICK, mark, -1, -1, -1);
                    nextTick = System.nanoTime() + tickNanos;
                }
            } catch (InterruptedException e) {
                return; // close() interrupts only once stopped is set
            }
        }
    }

    private void handle(RunEvent event) {
        try {
            state.on(event);
        } catch (RuntimeException e) {
            onBug.accept(e);
            try {
                state.on(new RunEvent.RunFailed("the coordinator failed while handling " + event.getClass().getSimpleName() + ": " + e));
            } catch (RuntimeException again) {
                onBug.accept(again);
            }
        }
    }

    /** Stops the thread after the event it is handling, if any, waiting a bounded time for it; later events are dropped. */
    @Override
    public void close() {
        queue.add(new RunEvent.Tick()); // wakes the thread
        stopped = true;
        try {
            thread.join(STOP_WAIT.toMillis());
            if (thread.isAlive()) {
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        }
    }
}
