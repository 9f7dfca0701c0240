package io.sightline.inference;

import io.sightline.domain.event.ModelActivated;

/** A detector whose model passed its checks, with the event that records the activation. */
public record ActivatedModel(Detector detector, ModelActivated event, java.nio.file.Path directory) {
}
