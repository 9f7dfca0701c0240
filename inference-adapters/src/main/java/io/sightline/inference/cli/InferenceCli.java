package io.sightline.inference.cli;

import picocli.CommandLine;

/** Builds a CommandLine whose unexpected errors print one line, never a stack trace. */
public final class InferenceCli {
    private InferenceCli() {
    }

    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            c.getErr().println("error: " + (ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName()));
            c.getErr().flush();
            return DetectCommand.EXIT_ERROR;
        });
        return cl;
    }
}
