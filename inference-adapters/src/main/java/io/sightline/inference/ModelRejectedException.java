package io.sightline.inference;

import io.sightline.domain.event.ModelRejected;

/** A model failed its pre-activation checks. Carries the {@link ModelRejected} event when one was produced. */
public class ModelRejectedException extends RuntimeException {
    private final transient ModelRejected event;

    public ModelRejectedException(String message, ModelRejected event) {
        super(message);
        this.event = event;
    }

    /** The rejection event, or null when the manifest itself could not be read. */
    public ModelRejected event() {
        return event;
    }
}
