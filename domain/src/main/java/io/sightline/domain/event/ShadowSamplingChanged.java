package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/**
 * The shadow's sampling was set (at its first frame) or changed: it runs on one frame in
 * {@code sampleEvery}, chosen so that its median detect time stays within {@code maxCpuShare} of the
 * interval between the champion's frames.
 *
 * @param reason              {@code initial}, {@code fixed}, {@code cpu-short} (fewer frames) or {@code cpu-available} (more)
 * @param shadowDetectCpuNanos   the shadow's median detect CPU time the decision used (0 before it has run)
 * @param frameIntervalNanos  the median interval between champion frames the decision used (0 before any)
 */
@Revision("1")
public record ShadowSamplingChanged(
        String modelSha256,
        int sampleEvery,
        int previousSampleEvery,
        String reason,
        long shadowDetectCpuNanos,
        long frameIntervalNanos,
        double maxCpuShare,
        long changedAtNanos) implements SightlineEvent {
}
