package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** Bounded polling: every wait in these tests has a deadline, and a failed wait says what it saw last. */
final class Await {
    private Await() {
    }

    /**
     * Calls {@code probe} every {@code every} until it returns a value, for at most {@code timeout};
     * then fails, naming {@code what}, the last exception the probe threw and {@code context}
     * (e.g. a process' output).
     */
    static <T> T until(String what, Duration timeout, Duration every, Callable<Optional<T>> probe, Supplier<String> context)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        int attempts = 0;
        while (true) {
            attempts++;
            try {
                Optional<T> value = probe.call();
                if (value.isPresent()) {
                    return value.get();
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() + every.toNanos() > deadline) {
                return fail(what + ": not within " + timeout + " (" + attempts + " attempts" + (last == null ? "" : "; last error: "
                        + last) + ")\n" + context.get(), last);
            }
            Thread.sleep(every.toMillis());
        }
    }

    /** As above without context. */
    static <T> T until(String what, Duration timeout, Duration every, Callable<Optional<T>> probe) throws InterruptedException {
        return until(what, timeout, every, probe, () -> "");
    }
}
