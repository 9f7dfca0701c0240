package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * The shadow challenger's boxes on one frame the champion also saw (issue 17 §3): one event per
 * shadowed frame, so a frame the shadow ran on with no box is told apart from a frame it never ran
 * on. Never an input to a decision that actuates.
 *
 * @param frameId        the champion's FrameCaptured
 * @param detections     the challenger's boxes after its own NMS and report threshold
 * @param inferenceNanos the challenger's ONNX Runtime run on this frame
 * @param detectNanos    the challenger's preprocessing, inference and decoding on this frame, wall clock (it includes the
 *                       time the low-priority thread waited for a core)
 * @param detectCpuNanos the CPU time of the shadow thread over the same (what the model costs, whatever the load)
 * @param sampleEvery    the shadow ran on one frame in this many when it took this one (1: every frame)
 * @param causes         the FrameCaptured
 */
@Revision("1")
public record ShadowDetectionsObserved(
        String frameId,
        String modelName,
        String modelVersion,
        String modelSha256,
        List<Box> detections,
        long inferenceNanos,
        long detectNanos,
        long detectCpuNanos,
        int sampleEvery,
        List<String> causes) implements DerivedEvent {

    public ShadowDetectionsObserved {
        detections = List.copyOf(detections);
        causes = List.copyOf(causes);
    }

    /** One challenger box, as a DetectionObserved would carry it. */
    public record Box(int classId, String className, double score, BoxPx boxPx) {
    }
}
