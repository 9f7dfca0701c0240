package io.sightline.cloud.mining;

import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.explain.StoredEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * A track whose class changed from one update to the next (the edge's class vote flipped, e.g. car
 * to truck): the detector cannot tell the classes apart on this object, and the risk rule that applies
 * (vehicle or vulnerable road user) may have changed with it.
 */
@Component
@Order(60)
public class ClassChangeTrigger implements MiningTrigger {

    static final double WEIGHT = 10;

    @Override
    public String name() {
        return "class-change";
    }

    @Override
    public void scan(MinedSession session, Hits hits) {
        List<StoredEvent> along = new ArrayList<>(session.events(TrackStarted.class));
        along.addAll(session.events(TrackUpdated.class));
        along.sort(Comparator.comparingLong(StoredEvent::sequence));
        Map<String, StoredEvent> last = new HashMap<>();
        for (StoredEvent e : along) {
            String trackId = e.payload() instanceof TrackStarted s ? s.trackId() : ((TrackUpdated) e.payload()).trackId();
            String cls = e.payload() instanceof TrackStarted s ? s.className() : ((TrackUpdated) e.payload()).className();
            String frameId = e.payload() instanceof TrackStarted s ? s.frameId() : ((TrackUpdated) e.payload()).frameId();
            StoredEvent before = last.put(trackId, e);
            if (before == null) {
                continue;
            }
            String previous = before.payload() instanceof TrackStarted s ? s.className() : ((TrackUpdated) before.payload()).className();
            StoredEvent frame = session.frame(frameId);
            if (!previous.equals(cls) && frame != null) {
                hits.add(frame.eventId(), WEIGHT, "track " + trackId + " changed class from " + previous + " to " + cls, null,
                        List.of(e.eventId(), before.eventId(), frame.eventId()));
            }
        }
    }
}
