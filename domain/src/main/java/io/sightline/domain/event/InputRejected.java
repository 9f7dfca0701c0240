package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * The edge projector refused an input (a box with a NaN corner or no area, a score outside
 * [0, 1], a NaN or negative ego speed, a frame whose time goes backwards): it never reached a
 * track or a decision. Recorded so that replay and monitoring see every refusal; causes name the
 * refused input.
 *
 * @param inputId the id of the refused input event (DetectionObserved, VehicleStateSampled,
 *                FrameCaptured, or a ranging sensor's measurement)
 * @param reason why, in words, with the offending values
 * @param rejectedAtNanos stream time of the input (the frame's or the sample's time)
 */
@Revision("1")
public record InputRejected(
        String inputId,
        String reason,
        long rejectedAtNanos,
        List<String> causes) implements DerivedEvent {
}
