package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/**
 * Champion frames the shadow did not run on, since the previous such event (at most one a second,
 * and one at the end of the session): together with the ShadowDetectionsObserved every captured frame
 * is accounted for, by reason.
 *
 * @param shadowBusyCount      taken for the shadow, then displaced by a newer frame before it ran (it was still busy)
 * @param championBacklogCount not offered: a frame was already waiting for the champion's detector, so the shadow yielded
 * @param sampledOutCount      skipped by the sampling in force ({@code sampleEvery})
 * @param shadowFailedCount    taken, but the challenger failed on them (an ONNX Runtime error): the shadow never ends the champion's session
 * @param shadowPreemptedCount taken, but the shadow's inference was stopped mid-run because a champion frame arrived (from
 *                             revision 2; the shadow never shares the CPU with the champion's detector, ADR-0032)
 * @param sampleEvery          the sampling in force when the event was made
 */
@Revision("2")
public record ShadowFramesDropped(
        String modelSha256,
        long shadowBusyCount,
        long championBacklogCount,
        long sampledOutCount,
        long shadowFailedCount,
        long shadowPreemptedCount,
        long firstFrameIndex,
        long lastFrameIndex,
        int sampleEvery,
        long droppedAtNanos) implements SightlineEvent {
}
