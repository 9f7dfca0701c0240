package io.sightline.inference;

import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.FrameCaptured;

import java.util.List;

/**
 * Builds FrameCaptured and DetectionObserved events. Ids are made here, by the producer, and are
 * deterministic (ADR-0017): a frame's id is {@link EventIds#frame} of the session and the frame's
 * index in its source, a detection's is {@link EventIds#detection} of the frame's id and its
 * position in the detector's output. The frame's event id is also its {@code frameId}, so
 * detections name it in {@code causes}.
 */
public final class PerceptionEvents {
    private PerceptionEvents() {
    }

    /**
     * @param scope the session id (or, for tools without a session, the source id): the frame's id
     *              is derived from it and the frame's index
     */
    public static ProducedEvent frameCaptured(String scope, VideoFrame frame, String sourceId) {
        return frameCaptured(EventIds.frame(scope, frame.index()), Clocks.epochNanos(), frame, sourceId, null);
    }

    /**
     * A frame whose event is completed after detection, once its evidence JPEG is encoded: the id
     * (which detections name as their cause) and the time it entered were fixed when it arrived.
     *
     * @param evidenceSha256 sha256 hex of the frame's evidence JPEG, or null when none is kept
     */
    public static ProducedEvent frameCaptured(String frameId, long occurredAtNanos, VideoFrame frame, String sourceId,
                                              String evidenceSha256) {
        return new ProducedEvent(frameId, occurredAtNanos, new FrameCaptured(frameId, frame.index(), frame.captureTimeNanos(),
                frame.width(), frame.height(), sourceId, evidenceSha256));
    }

    /** Emits one DetectionObserved per detection; returns how many. */
    public static int detectionsObserved(String frameEventId, Detections d, ModelManifest model, EventSink sink) {
        long now = Clocks.epochNanos();
        List<String> causes = List.of(frameEventId);
        for (int i = 0; i < d.count(); i++) {
            String id = EventIds.detection(frameEventId, i);
            sink.emit(new ProducedEvent(id, now, new DetectionObserved(id, frameEventId, d.classId[i], d.className(i),
                    d.score[i], new BoxPx(d.x1[i], d.y1[i], d.x2[i], d.y2[i]),
                    model.name(), model.version(), model.sha256(), causes)));
        }
        return d.count();
    }
}
