package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/** Inference on one frame failed; causes name the frame. */
@Revision("1")
public record InferenceFailed(
        String frameId,
        String modelName,
        String modelVersion,
        String reason,
        long failedAtNanos,
        List<String> causes) implements DerivedEvent {
}
