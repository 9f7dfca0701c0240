package io.sightline.cloud.api;

/** The resource exists but belongs to another fleet than the caller's token: answered 403 as problem details. */
public class ForbiddenException extends RuntimeException {

    public ForbiddenException(String message) {
        super(message);
    }
}
