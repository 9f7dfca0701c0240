package io.sightline.explain;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.explain.sample.SyntheticDrive;
import java.util.List;

/** The hand-computed session the unit tests share. */
final class Sessions {

    static final long T0 = 1_764_000_000_000_000_000L;

    private Sessions() {
    }

    /**
     * Approach 1 (trk-1) from 10.0 s, 10 fps, lead at 22.0 m closing at 9 m/s, a = 0, ego 22.4 m/s:
     * TTC = (22 − 0.9k)/9 = 2.44, 2.34, 2.24, 2.14, 2.04, 1.94, 1.84, 1.74 s for k = 0..7, so with
     * the 2.1 s threshold (and track age ≥ 0.3 s) the alert is raised at k = 4 (10.4 s, 18.4 m) and
     * never cleared. Approach 2 (trk-2) from 20.0 s, 4 frames, 25 m at 10 m/s: TTC 2.5 … 2.2 s, no alert.
     */
    static SyntheticDrive unitSession(String sessionId) {
        SyntheticDrive drive = new SyntheticDrive(sessionId, T0).start("fleet-a", "veh-1", "v1", SyntheticDrive.POLICY_V1);
        drive.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        drive.approach(20.0, 4, 10, 25.0, 10.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        return drive;
    }

    static InMemoryEventLookup lookup(List<EventEnvelope> envelopes, String sessionId) {
        return new InMemoryEventLookup(envelopes.stream()
                .map(e -> new StoredEvent(e.eventId(), sessionId, e.sequence(), e.sequence() + 1, e.occurredAtNanos(), e.payload()))
                .toList());
    }
}
