package io.sightline.cloud.mining;

import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.explain.StoredEvent;
import java.util.List;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * A confirmed track kept alive by a low-score detection: the tracker's second association
 * (docs/tracker.md, step 4) matched a detection below {@link #TRACKER_HIGH_SCORE}. The detector was
 * unsure of an object the tracker believes in, which is what a detector learns most from.
 *
 * <p>The threshold is the edge tracker's {@code TrackerConfig.defaults().highScoreThreshold()}, copied
 * because the cloud does not depend on the edge's tracker; app's {@code MiningTriggerThresholdsTest}
 * fails when the two differ.
 */
@Component
@Order(40)
public class SecondStageLowScoreTrigger implements MiningTrigger {

    public static final double TRACKER_HIGH_SCORE = 0.5;
    static final double WEIGHT = 12;

    @Override
    public String name() {
        return "second-stage-low-score";
    }

    @Override
    public void scan(MinedSession session, Hits hits) {
        for (StoredEvent e : session.events(TrackUpdated.class)) {
            TrackUpdated u = (TrackUpdated) e.payload();
            if (u.state() != TrackState.CONFIRMED || u.causes().isEmpty()) {
                continue;
            }
            StoredEvent cause = session.event(u.causes().get(0));
            StoredEvent frame = session.frame(u.frameId());
            if (frame != null && cause != null && cause.payload() instanceof DetectionObserved d && d.score() < TRACKER_HIGH_SCORE) {
                hits.add(frame.eventId(), WEIGHT, "confirmed track " + u.trackId() + " (" + u.className() + ") kept by a low-score "
                        + d.className() + " detection (score " + String.format(java.util.Locale.ROOT, "%.2f", d.score())
                        + " < " + TRACKER_HIGH_SCORE + ", the tracker's second association)", null,
                        List.of(e.eventId(), cause.eventId(), frame.eventId()));
            }
        }
    }
}
