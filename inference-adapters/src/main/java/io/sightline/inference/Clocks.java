package io.sightline.inference;

import java.time.Instant;

/** Edge wall clock in epoch nanoseconds. */
public final class Clocks {
    private Clocks() {
    }

    public static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
