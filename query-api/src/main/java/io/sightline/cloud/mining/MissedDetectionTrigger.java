package io.sightline.cloud.mining;

import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.explain.StoredEvent;
import java.util.List;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * A confirmed track that found no detection on a frame: the edge emits a {@code TrackUpdated} in
 * state LOST on the first such frame (the tracker coasts on its prediction). The object is most
 * likely still there, so the detector probably missed it.
 */
@Component
@Order(50)
public class MissedDetectionTrigger implements MiningTrigger {

    static final double WEIGHT = 10;

    @Override
    public String name() {
        return "track-missed-detection";
    }

    @Override
    public void scan(MinedSession session, Hits hits) {
        for (StoredEvent e : session.events(TrackUpdated.class)) {
            TrackUpdated u = (TrackUpdated) e.payload();
            StoredEvent frame = session.frame(u.frameId());
            if (u.state() == TrackState.LOST && frame != null) {
                hits.add(frame.eventId(), WEIGHT, "confirmed track " + u.trackId() + " (" + u.className() + ", " + u.hits()
                        + " hits over " + u.ageFrames() + " frames) found no detection on this frame and coasted", null,
                        List.of(e.eventId(), frame.eventId()));
            }
        }
    }
}
