package io.sightline.domain.event;

import java.util.List;
import java.util.Map;
import org.axonframework.serialization.Revision;

/**
 * The camera stopped showing the road: covered, dark or blurred for longer than the camera-health
 * policy allows. Forward-collision and VRU warnings depend on what the camera sees, so every risk
 * decision until the matching {@link CameraRestored} names this event among its causes, and a
 * warning that came late or never can be explained from the trace.
 *
 * @param obstructionId      names the episode; {@link CameraRestored} repeats it
 * @param condition          DARK, COVERED (a uniform picture) or BLURRED, the first that holds in that order
 * @param frameId            the frame that confirmed it (the condition had held for {@code confirmAfterS})
 * @param sinceFrameIndex    the first frame of the episode
 * @param meanLuma           means over the confirming frames: brightness (8-bit code values)
 * @param lumaStdDev         spread of brightness within a frame
 * @param laplacianVariance  sharpness
 * @param statistic          which of the three the condition compares: meanLuma, lumaStdDev or laplacianVariance
 * @param thresholdValue     the policy's threshold for it; the condition is "statistic below threshold"
 * @param margin             threshold minus the statistic's mean: how far past the threshold the camera was
 * @param confirmAfterS      how long the condition had to hold
 * @param policyVersion      the camera-health policy, whose thresholds follow in full
 * @param causes             the confirming frame's FrameCaptured
 */
@Revision("1")
public record CameraObstructed(
        String obstructionId,
        String condition,
        String frameId,
        long sinceFrameIndex,
        long confirmedAtFrameIndex,
        double meanLuma,
        double lumaStdDev,
        double laplacianVariance,
        String statistic,
        double thresholdValue,
        double margin,
        double confirmAfterS,
        String policyVersion,
        Map<String, Double> thresholds,
        long obstructedAtNanos,
        List<String> causes) implements DerivedEvent {

    public CameraObstructed {
        thresholds = Map.copyOf(thresholds);
        causes = List.copyOf(causes);
    }
}
