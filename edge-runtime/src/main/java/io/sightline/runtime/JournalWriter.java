package io.sightline.runtime;

import io.sightline.domain.event.DerivedEvent;
import io.sightline.inference.ProducedEvent;
import io.sightline.runtime.telemetry.FrameTrace;
import io.sightline.uplink.journal.EdgeJournal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Appends to the journal with non-decreasing envelope times and counts what it wrote. Used by one
 * thread at a time (the main thread before and after the stages, the journal stage between).
 */
final class JournalWriter {

    private final EdgeJournal journal;
    private final String sessionId;
    /** Per event type; keyed by class, so that counting costs no string per event. */
    private final Map<Class<?>, long[]> counts = new HashMap<>();
    /**
     * Every (event, cause) pair, for the all-in-one run's check that the cloud's trace-edges
     * projection caught up; null on a vehicle, where nobody asks and the set would only cost.
     */
    private final Set<String> edges;
    private long lastOccurredAtNanos = Long.MIN_VALUE;
    private long events;

    JournalWriter(EdgeJournal journal, String sessionId, boolean countTraceEdges) {
        this.journal = journal;
        this.sessionId = sessionId;
        this.edges = countTraceEdges ? new HashSet<>() : null;
    }

    /** Session-level events: no frame, no traceparent. */
    void append(List<ProducedEvent> produced) {
        append(produced, null, null);
    }

    /** A frame's events, each with the traceparent of the stage span that produced it. */
    void append(List<ProducedEvent> produced, FrameTrace trace) {
        append(produced, trace, null);
    }

    /** Events of one span. */
    void append(List<ProducedEvent> produced, String traceparent) {
        append(produced, null, traceparent);
    }

    private void append(List<ProducedEvent> produced, FrameTrace trace, String traceparent) {
        if (produced.isEmpty()) {
            return;
        }
        List<EdgeJournal.NewEvent> batch = new ArrayList<>(produced.size());
        if (lastAppendTimes.length < produced.size()) {
            lastAppendTimes = new long[Math.max(produced.size(), 2 * lastAppendTimes.length)];
        }
        for (int i = 0; i < produced.size(); i++) {
            ProducedEvent e = produced.get(i);
            // A wall clock step back (NTP) must not make the cloud refuse the session.
            lastOccurredAtNanos = Math.max(lastOccurredAtNanos, e.occurredAtNanos());
            lastAppendTimes[i] = lastOccurredAtNanos;
            batch.add(new EdgeJournal.NewEvent(e.eventId(), lastOccurredAtNanos, e.payload(),
                    trace != null ? trace.traceparentOfEvent(i) : traceparent));
            counts.computeIfAbsent(e.payload().getClass(), k -> new long[1])[0]++;
            if (edges != null && e.payload() instanceof DerivedEvent d) {
                for (String cause : d.causes()) {
                    edges.add(e.eventId() + "\n" + cause);
                }
            }
        }
        journal.append(sessionId, batch);
        events += batch.size();
    }

    /** Envelope times of the last append's events as journaled (held non-decreasing), by position. */
    private long[] lastAppendTimes = new long[16];

    /** The journaled envelope time of the event at {@code position} in the last append: what alert windows are measured in. */
    long journaledAtNanos(int position) {
        return lastAppendTimes[position];
    }

    Map<String, Long> countsByType() {
        Map<String, Long> byName = new LinkedHashMap<>();
        counts.forEach((type, n) -> byName.put(type.getSimpleName(), n[0]));
        return Map.copyOf(byName);
    }

    long eventCount() {
        return events;
    }

    /** Distinct (event, cause) pairs journaled, or -1 when not counted. */
    long expectedTraceEdges() {
        return edges == null ? -1 : edges.size();
    }
}
