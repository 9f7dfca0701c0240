package io.sightline.app;

/**
 * A setting the operator gave cannot work: an unreachable database or broker, a missing or short
 * secret, a malformed URL. The launcher prints its message as the one line of the error, naming the
 * setting, and exits with {@link #EXIT_CODE}; no stack trace helps anyone fix a typo in a URL.
 */
public class WrongSettingException extends RuntimeException {

    /** Picocli's code for a usage error: the command was given something it cannot use. */
    public static final int EXIT_CODE = 2;

    public WrongSettingException(String message) {
        super(message);
    }

    public WrongSettingException(String message, Throwable cause) {
        super(message, cause);
    }
}
