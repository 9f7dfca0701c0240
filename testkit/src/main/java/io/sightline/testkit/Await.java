package io.sightline.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polling for a condition with a deadline, instead of a fixed sleep: a test waits exactly as long as
 * the condition takes, and a timeout names what it waited for and what it last saw (query-api's
 * {@code Projections.awaitProjection} is built on it). The poll interval only bounds how late a test
 * notices; nothing asserts on it.
 */
public final class Await {

    private static final long POLL_MILLIS = 20;

    private Await() {
    }

    /** Polls until {@code holds}; after {@code timeout} fails naming {@code what} and {@code diagnostics}. */
    public static void until(String what, Duration timeout, BooleanSupplier holds, Supplier<?> diagnostics) {
        value(what, timeout, holds::getAsBoolean, b -> b, diagnostics);
    }

    /** Polls {@code probe} until {@code holds} accepts its value, which it returns; a failure shows the last value seen. */
    public static <T> T value(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> holds, Supplier<?> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T seen = probe.get();
            if (holds.test(seen)) {
                return seen;
            }
            if (System.nanoTime() - deadline > 0) {
                String last = seen instanceof Boolean ? "" : "; last seen: " + seen;
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + last + diagnostics.get());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
