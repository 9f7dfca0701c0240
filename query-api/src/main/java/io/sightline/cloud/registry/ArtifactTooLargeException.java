package io.sightline.cloud.registry;

/** An upload above {@code sightline.registry.max-artifact-bytes}; the HTTP layer answers 413. */
public final class ArtifactTooLargeException extends RuntimeException {

    public ArtifactTooLargeException(String message) {
        super(message);
    }
}
