package io.sightline.inference.cli;

import picocli.CommandLine;

/** Builds a CommandLine whose unexpected errors print one line, never a stack trace. */
public final class InferenceCli {
    /** Bad input or model: one line on stderr, this exit code. */
    public static final int EXIT_ERROR = 1;

    private InferenceCli() {
    }

    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            c.getErr().println("error: " + (ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName()));
            c.getErr().flush();
            return EXIT_ERROR;
        });
        return cl;
    }
}
