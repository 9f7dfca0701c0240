package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/** One object found by a detector in one frame; causes name the FrameCaptured. */
@Revision("1")
public record DetectionObserved(
        String detectionId,
        String frameId,
        int classId,
        String className,
        double score,
        BoxPx boxPx,
        String modelName,
        String modelVersion,
        String modelSha256,
        List<String> causes) implements DerivedEvent {
}
