package io.sightline.edge.mot;

import java.nio.file.Path;

/** Malformed MOTChallenge input; the message names the file, the 1-based line and the problem. */
public final class MotFormatException extends RuntimeException {

    private final Path file;
    private final int lineNumber;
    private final String problem;

    public MotFormatException(Path file, int lineNumber, String problem) {
        super(file + ":" + lineNumber + ": " + problem);
        this.file = file;
        this.lineNumber = lineNumber;
        this.problem = problem;
    }

    public Path file() {
        return file;
    }

    /** 1-based line number in {@link #file()}. */
    public int lineNumber() {
        return lineNumber;
    }

    public String problem() {
        return problem;
    }
}
