package io.sightline.edge.signals;

/** A file that is not the NumPy array this reader supports; the message says what is wrong. */
public final class NpyFormatException extends Exception {

    public NpyFormatException(String message) {
        super(message);
    }
}
