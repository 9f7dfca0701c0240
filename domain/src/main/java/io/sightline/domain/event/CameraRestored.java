package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * The camera shows the road again: no obstruction condition held for the policy's restore time.
 *
 * @param obstructionId     the episode of the {@link CameraObstructed} it ends
 * @param frameId           the frame that confirmed the recovery
 * @param obstructedForNanos session-clock time from the obstruction's confirmation to this frame
 * @param meanLuma          the confirming frames' means, as in {@link CameraObstructed}
 * @param causes            the CameraObstructed and the confirming frame's FrameCaptured
 */
@Revision("1")
public record CameraRestored(
        String obstructionId,
        String frameId,
        long restoredAtFrameIndex,
        long obstructedForNanos,
        double meanLuma,
        double lumaStdDev,
        double laplacianVariance,
        long restoredAtNanos,
        List<String> causes) implements DerivedEvent {

    public CameraRestored {
        causes = List.copyOf(causes);
    }
}
