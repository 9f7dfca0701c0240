package io.sightline.edge.cli;

import io.sightline.edge.mot.MotFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/** Turns input failures into one stderr line and an exit code: users get no stack traces. */
final class CliErrors {

    /** Exit code for unreadable or malformed input files (picocli's generic failure code). */
    static final int INPUT_ERROR = CommandLine.ExitCode.SOFTWARE;

    private CliErrors() {
    }

    static int report(PrintWriter err, String command, Exception e) {
        err.println(command + ": " + describe(e));
        err.flush();
        return INPUT_ERROR;
    }

    private static String describe(Exception e) {
        if (e instanceof MotFormatException m) {
            return m.getMessage();
        }
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + ": no such file";
        }
        if (e instanceof AccessDeniedException a) {
            return a.getFile() + ": permission denied";
        }
        if (e instanceof IOException io) {
            return io.getMessage() == null ? io.getClass().getSimpleName() : io.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
