package io.sightline.uplink.journal;

/** The journal could not do what was asked; the message says why and what to check. */
public class JournalException extends RuntimeException {
    public JournalException(String message) {
        super(message);
    }

    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
