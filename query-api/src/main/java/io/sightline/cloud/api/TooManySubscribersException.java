package io.sightline.cloud.api;

/** The stream subscriber limit is reached; the client should retry later. */
public class TooManySubscribersException extends RuntimeException {

    public TooManySubscribersException(String message) {
        super(message);
    }
}
