package io.sightline.uplink.tier;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.TierGapDeclared;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.uplink.journal.EdgeJournal.StoredEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides, event by event in journal order, what of one session goes up and what becomes a
 * declared gap (ADR-0027).
 *
 * <p>An event outside every tier is only decided once no later trigger can claim it: a trigger at
 * time T claims T−30 s, so an event is settled when the session's newest journaled event is more than
 * 30 s younger, or the session is complete. Offering stops at the first unsettled event, since a
 * batch keeps journal order. A gap is closed by the next uploaded event, by the next sample
 * window, or by the session's end, never by timing, so a resend declares exactly the same gap.
 */
public final class TierSelector {

    public enum Tier { SAFETY, SUMMARY, SAMPLE, ON_DEMAND }

    /** Safety windows (T−30 s … T+10 s of each trigger) and windows asked for on demand. */
    public interface Windows {
        /** The tier whose window holds {@code nanos}, SAFETY or ON_DEMAND, or null. */
        Tier covering(long nanos);
    }

    /** One element of a batch: an event with the tier that chose it, or a gap (then {@code tier} is null). */
    public record Item(StoredEvent event, Tier tier, TierGapDeclared gap) {
        public boolean isGap() {
            return gap != null;
        }
    }

    private final UploadTiers tiers;
    private final String sessionId;
    private final long sessionStartNanos;
    private final Windows windows;
    private final long headNanos;
    private final boolean complete;
    private final List<Item> items = new ArrayList<>();
    private long openFrom = -1;
    private long openTo;
    private long openFromNanos;
    private long openToNanos;
    private long openWindow;
    private long sampleWindowIndex = Long.MIN_VALUE;
    private boolean sampleWindowChosen;
    private long faultWindow = Long.MIN_VALUE;
    private final java.util.Map<String, Integer> faultsInWindow = new java.util.HashMap<>();

    /**
     * @param headNanos edge time of the session's newest journaled event
     * @param complete  the session ended (or will get no more events), so every event is settled
     */
    public TierSelector(UploadTiers tiers, String sessionId, long sessionStartNanos, Windows windows, long headNanos, boolean complete) {
        this.tiers = tiers;
        this.sessionId = sessionId;
        this.sessionStartNanos = sessionStartNanos;
        this.windows = windows;
        this.headNanos = headNanos;
        this.complete = complete;
    }

    /** The tier that uploads the event, or null when it belongs to none. */
    public Tier tierOf(StoredEvent e) {
        Tier covering = windows.covering(e.occurredAtNanos());
        if (covering != null) {
            return covering;
        }
        if (sampled(e.occurredAtNanos())) {
            return Tier.SAMPLE;
        }
        if (UploadTiers.PER_FRAME_FAULTS.contains(e.type())) {
            // Counted from where this selector starts (a batch's first sequence), so a resend decides the same.
            long window = tiers.sampleWindow(sessionStartNanos, e.occurredAtNanos());
            if (window != faultWindow) {
                faultWindow = window;
                faultsInWindow.clear();
            }
            return faultsInWindow.merge(e.type(), 1, Integer::sum) <= UploadTiers.FAULT_EVENTS_PER_WINDOW ? Tier.SUMMARY : null;
        }
        return UploadTiers.SUMMARY_TYPES.contains(e.type()) ? Tier.SUMMARY : null;
    }

    private boolean sampled(long nanos) {
        long index = tiers.sampleWindow(sessionStartNanos, nanos);
        if (index != sampleWindowIndex) {
            sampleWindowIndex = index;
            sampleWindowChosen = tiers.sampled(sessionId, index);
        }
        return sampleWindowChosen;
    }

    /**
     * Takes the next event of the session (consecutive sequences).
     *
     * @return false when the event is not settled yet; offer nothing more in this pass
     */
    public boolean offer(StoredEvent e) {
        Tier tier = tierOf(e);
        if (tier != null) {
            closeGap();
            items.add(new Item(e, tier, null));
            return true;
        }
        if (!complete && e.occurredAtNanos() + UploadTiers.WINDOW_BEFORE_NANOS >= headNanos) {
            return false;
        }
        long window = tiers.sampleWindow(sessionStartNanos, e.occurredAtNanos());
        if (openFrom >= 0 && openWindow == window && openTo == e.sequence()) {
            openTo = e.sequence() + 1;
            openToNanos = e.occurredAtNanos();
            return true;
        }
        closeGap();
        openFrom = e.sequence();
        openTo = e.sequence() + 1;
        openFromNanos = e.occurredAtNanos();
        openToNanos = e.occurredAtNanos();
        openWindow = window;
        return true;
    }

    /** Closes a trailing gap: call when the session is complete and every event was offered. */
    public void endOfSession() {
        if (!complete) {
            throw new IllegalStateException("only a complete session closes its trailing gap");
        }
        closeGap();
    }

    private void closeGap() {
        if (openFrom < 0) {
            return;
        }
        TierGapDeclared gap = new TierGapDeclared(openFrom, openTo, openFromNanos, openToNanos, tiers.nearMissMargin(),
                tiers.sampleShare(), tiers.sampleWindowNanos(), tiers.sampleSeed());
        items.add(new Item(null, null, gap));
        openFrom = -1;
    }

    /** Decided items so far, in sequence order; an open gap is not among them yet. */
    public List<Item> items() {
        return items;
    }

    /** The sequence after the last decided item, or {@code fallback} when none is decided. */
    public long nextSequence(long fallback) {
        if (items.isEmpty()) {
            return fallback;
        }
        Item last = items.get(items.size() - 1);
        return last.isGap() ? last.gap().toSequence() : last.event().sequence() + 1;
    }

    /** The wire form of a gap, as the journal writes events: it is signed with its batch. */
    public static StoredEvent wire(String sessionId, TierGapDeclared gap, EventCodec codec) {
        String id = sessionId + "/tier-gap/" + gap.fromSequence();
        EventEnvelope envelope = new EventEnvelope(id, gap.fromSequence(), gap.fromNanos(), gap);
        try {
            return new StoredEvent(gap.fromSequence(), id, gap.fromNanos(), codec.mapper().writeValueAsString(codec.encode(envelope)),
                    "TierGapDeclared");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode tier gap " + id, e);
        }
    }
}
