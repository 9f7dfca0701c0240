package io.sightline.domain.evidence;

/**
 * The causal window of an alert raised at edge time T: T−30 s … T+10 s, both ends included. The
 * edge keeps the events and evidence frames of this window longest and uploads the evidence of
 * frames inside it; the cloud lists an alert's evidence frames from the same window. Times are
 * the envelope's {@code occurredAtNanos} (edge wall clock), the clock both sides share.
 */
public final class AlertWindow {

    public static final long BEFORE_NANOS = 30_000_000_000L;
    public static final long AFTER_NANOS = 10_000_000_000L;

    private AlertWindow() {
    }

    public static long fromNanos(long alertAtNanos) {
        return alertAtNanos - BEFORE_NANOS;
    }

    public static long toNanos(long alertAtNanos) {
        return alertAtNanos + AFTER_NANOS;
    }
}
