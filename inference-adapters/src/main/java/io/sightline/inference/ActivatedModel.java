package io.sightline.inference;

import io.sightline.domain.event.ModelActivated;

/**
 * A detector whose model passed its checks, with the event that records the activation and the
 * inference time of each warm-up run at activation ({@link ModelLoader#WARM_UP_RUNS}): the first
 * is ONNX Runtime's first-run cost, which no frame pays.
 */
public record ActivatedModel(Detector detector, ModelActivated event, java.nio.file.Path directory, long[] warmUpInferenceNanos) {
}
