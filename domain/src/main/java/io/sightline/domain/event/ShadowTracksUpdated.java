package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * The shadow challenger's tracks after one shadowed frame, from its own tracker fed only its own
 * boxes: one event per frame rather than one per track, because the shadow's tracks are evidence
 * for a comparison, not the subject of an alert's trace.
 *
 * @param tracks the tracker's reported tracks on this frame (tentative ones stay inside the tracker, as for the champion)
 * @param causes the FrameCaptured and the frame's ShadowDetectionsObserved
 */
@Revision("1")
public record ShadowTracksUpdated(
        String frameId,
        String modelSha256,
        List<Track> tracks,
        List<String> causes) implements DerivedEvent {

    public ShadowTracksUpdated {
        tracks = List.copyOf(tracks);
        causes = List.copyOf(causes);
    }

    /** One track's filtered state, the fields of a TrackUpdated. */
    public record Track(String trackId, String className, BoxPx boxPx, TrackState state, int hits, int ageFrames, double score) {
    }
}
