package io.sightline.uplink.transport;

/** The batch may or may not have reached the cloud: retry later. */
public class TransportException extends Exception {
    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
