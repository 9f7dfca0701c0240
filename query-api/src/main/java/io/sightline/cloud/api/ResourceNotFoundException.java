package io.sightline.cloud.api;

/**
 * A resource that does not exist or belongs to another fleet: both are answered alike (404), so a
 * caller learns nothing about other fleets' ids.
 */
public class ResourceNotFoundException extends RuntimeException {

    public ResourceNotFoundException(String message) {
        super(message);
    }
}
