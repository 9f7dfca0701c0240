package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/** The primary model was healthy long enough and replaced the fallback again. */
@Revision("1")
public record PrimaryRestored(
        String fromModel,
        String toModel,
        long healthyForNanos,
        long restoredAtNanos,
        List<String> causes) implements DerivedEvent {
}
