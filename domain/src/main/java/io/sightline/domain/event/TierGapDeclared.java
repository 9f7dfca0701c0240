package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/**
 * The edge kept the events of its session from {@code fromSequence} (inclusive) to
 * {@code toSequence} (exclusive) in its journal but did not upload them, because no upload tier
 * selected them (ADR-0027). It is signed with the batch like any event, so a hole in the cloud's
 * copy of a session is always a declared one. The event takes the edge sequence
 * {@code fromSequence}; the next uploaded event has {@code toSequence}.
 *
 * <p>The rule that chose the tiers is recorded with every gap, so that anyone can recompute which
 * sample windows were due and check that the edge skipped only what the rule let it skip.
 *
 * @param fromNanos         edge time of the first event not uploaded
 * @param toNanos           edge time of the last event not uploaded
 * @param nearMissMargin    relative margin within which a decision counted as a near miss
 * @param sampleShare       share of sample windows uploaded in full (0.02 = 2 % of driving time)
 * @param sampleWindowNanos length of one sample window, counted from the session's start
 * @param sampleSeed        seed of the sample rule
 */
@Revision("1")
public record TierGapDeclared(
        long fromSequence,
        long toSequence,
        long fromNanos,
        long toNanos,
        double nearMissMargin,
        double sampleShare,
        long sampleWindowNanos,
        long sampleSeed) implements SightlineEvent {

    public TierGapDeclared {
        if (fromSequence < 0 || toSequence <= fromSequence) {
            throw new IllegalArgumentException("a tier gap covers fromSequence < toSequence, got " + fromSequence + ".." + toSequence);
        }
        if (toNanos < fromNanos) {
            throw new IllegalArgumentException("a tier gap ends (" + toNanos + " ns) before it starts (" + fromNanos + " ns)");
        }
    }

    public long eventCount() {
        return toSequence - fromSequence;
    }
}
