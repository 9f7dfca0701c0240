package io.sightline.cloud.mining;

import io.sightline.cloud.api.AlertReadModel.MissedReport;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.explain.StoredEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One drive session's events in the mining window, as the triggers read them: the frames in edge
 * time order, the other events by type, and the human verdicts on the session (alerts reviewed
 * false positive with their traces' frames, reported misses).
 */
public final class MinedSession {

    /** An alert reviewers called a false positive, with the FrameCaptured event ids of its causal trace. */
    public record FalsePositive(String alertId, String alertEventId, String kind, List<String> traceFrameEventIds) {
    }

    private final String sessionId;
    private final String vehicleId;
    private final String policyVersion;
    private final List<StoredEvent> frames;
    private final long[] frameTimesNanos;
    private final Map<Class<?>, List<StoredEvent>> byType = new HashMap<>();
    private final Map<String, StoredEvent> frameByFrameId = new HashMap<>();
    private final Map<String, StoredEvent> byEventId = new HashMap<>();
    private final List<FalsePositive> falsePositives;
    private final List<MissedReport> missedReports;

    MinedSession(String sessionId, String vehicleId, String policyVersion, List<StoredEvent> events, List<FalsePositive> falsePositives,
                 List<MissedReport> missedReports) {
        this.sessionId = sessionId;
        this.vehicleId = vehicleId;
        this.policyVersion = policyVersion;
        List<StoredEvent> f = new ArrayList<>();
        for (StoredEvent e : events) {
            byType.computeIfAbsent(e.payload().getClass(), k -> new ArrayList<>()).add(e);
            byEventId.put(e.eventId(), e);
            if (e.payload() instanceof FrameCaptured fc) {
                f.add(e);
                frameByFrameId.put(fc.frameId(), e);
            }
        }
        this.frames = List.copyOf(f);
        this.frameTimesNanos = frames.stream().mapToLong(StoredEvent::occurredAtNanos).toArray();
        this.falsePositives = List.copyOf(falsePositives);
        this.missedReports = List.copyOf(missedReports);
    }

    public String sessionId() {
        return sessionId;
    }

    public String vehicleId() {
        return vehicleId;
    }

    public String policyVersion() {
        return policyVersion;
    }

    /** FrameCaptured events in edge-time order. */
    public List<StoredEvent> frames() {
        return frames;
    }

    /** Events of one type in store order (edge-time order within a session). */
    public List<StoredEvent> events(Class<? extends SightlineEvent> type) {
        return byType.getOrDefault(type, Collections.emptyList());
    }

    public StoredEvent event(String eventId) {
        return byEventId.get(eventId);
    }

    /** The FrameCaptured event of a frame id, or null when the frame is outside the window. */
    public StoredEvent frame(String frameId) {
        return frameByFrameId.get(frameId);
    }

    /** The frames whose edge time is in [fromNanos, toNanos]. */
    public List<StoredEvent> framesBetween(long fromNanos, long toNanos) {
        int lo = lowerBound(fromNanos);
        int hi = lowerBound(toNanos == Long.MAX_VALUE ? toNanos : toNanos + 1);
        return lo >= hi ? List.of() : frames.subList(lo, hi);
    }

    private int lowerBound(long nanos) {
        int lo = 0;
        int hi = frameTimesNanos.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (frameTimesNanos[mid] < nanos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    public List<FalsePositive> falsePositives() {
        return falsePositives;
    }

    public List<MissedReport> missedReports() {
        return missedReports;
    }
}
