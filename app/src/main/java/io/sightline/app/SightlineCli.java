package io.sightline.app;

import io.sightline.runtime.EdgeCommand;

import io.sightline.edge.cli.MotEvalCommand;
import io.sightline.edge.cli.ReplayComma2k19Command;
import io.sightline.edge.cli.ScenariosCommand;
import io.sightline.runtime.DetectCommand;
import io.sightline.inference.cli.InferenceBenchCommand;
import io.sightline.edge.cli.TrackCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./sightline}: one launcher for every job. Errors print one line and exit non-zero; the
 * stack trace appears only with {@code --verbose}.
 */
@Command(name = "sightline",
        mixinStandardHelpOptions = true,
        // Every subcommand answers --help and --version, not only those that asked for it.
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = VersionCommand.Provider.class,
        description = "Event-sourced safety decisions for vehicle perception, with explainability.",
        subcommands = {
                VersionCommand.class,
                io.sightline.app.run.RunCommand.class,
                io.sightline.app.cloud.CloudCommand.class,
                io.sightline.app.shard.ShardCommand.class,
                DemoCommand.class,
                BenchCommand.class,
                DetectCommand.class,
                InferenceBenchCommand.class,
                TrackCommand.class,
                MotEvalCommand.class,
                ScenariosCommand.class,
                io.sightline.eval.cli.EvaluateCommand.class,
                io.sightline.eval.cli.RareEventCommand.class,
                ScenarioBenchCommand.class,
                ExportCommand.class,
                io.sightline.app.mining.MineCommand.class,
                VerifyExportCommand.class,
                ReplayComma2k19Command.class,
                io.sightline.app.clip.HazardClipCommand.class,
                io.sightline.app.clip.StopSignClipCommand.class,
                io.sightline.app.videosuite.VideoSuiteCommand.class,
                io.sightline.app.run.PipelineBenchCommand.class,
                io.sightline.app.run.VisibilityBenchCommand.class,
                EdgeCommand.class,
                io.sightline.app.replay.ReplayCommand.class,
                io.sightline.app.shadow.ShadowCommand.class,
                TokenCommand.class,
                io.sightline.app.registry.RegistryCommand.class,
                io.sightline.app.rollout.RolloutCommand.class,
                CommandLine.HelpCommand.class})
public class SightlineCli implements Runnable {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Show stack traces and framework logs.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        if (!verbose) {
            // Framework start-up chatter is noise on a terminal; --verbose brings it back.
            // Only as defaults: an operator's LOGGING_LEVEL_* (a container's environment) wins, as the
            // environment wins over defaults everywhere else; a system property would outrank it.
            if (System.getenv("LOGGING_LEVEL_ROOT") == null) {
                System.setProperty("logging.level.root", "WARN");
            }
            if (System.getenv("LOGGING_LEVEL_IO_SIGHTLINE") == null) {
                System.setProperty("logging.level.io.sightline", "INFO");
            }
            // The same before Spring configures logging (or in commands that start no Spring context):
            // unconfigured Logback logs DEBUG, and JavaCV reports FFmpeg's option handling at INFO.
            if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
                logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.WARN);
                logback.getLogger("io.sightline").setLevel(ch.qos.logback.classic.Level.INFO);
            }
        }
        CommandLine cli = new CommandLine(new SightlineCli());
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            WrongSettingException wrongSetting = wrongSetting(ex);
            if (wrongSetting != null) {
                // The message names the setting and what to do; a hint about --verbose would only dilute it.
                err.println("sightline: error: " + wrongSetting.getMessage());
                if (verbose) {
                    ex.printStackTrace(err);
                }
                err.flush();
                return WrongSettingException.EXIT_CODE;
            }
            err.println("sightline: error: " + rootMessage(ex));
            if (verbose) {
                ex.printStackTrace(err);
            } else {
                err.println("(run with --verbose for details)");
            }
            err.flush();
            return 1;
        });
        return cli.execute(args);
    }

    private static WrongSettingException wrongSetting(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof WrongSettingException w) {
                return w;
            }
        }
        return null;
    }

    static String rootMessage(Throwable ex) {
        Throwable t = ex;
        // Spring wraps start-up failures several times; the innermost message says what to fix.
        while (t.getCause() != null && t.getCause() != t
                && (t.getMessage() == null || t instanceof org.springframework.beans.factory.BeanCreationException
                || t.getClass().getName().startsWith("org.springframework"))) {
            t = t.getCause();
        }
        if (t.getMessage() == null) {
            return t.getClass().getSimpleName();
        }
        // Some libraries (Flyway) put a framed, multi-line report in the message: keep its first real line.
        for (String line : t.getMessage().split("\\R")) {
            // Skip blank lines and frame lines made only of rules; keep the first line with words.
            if (!line.matches("[\\s\\-=|*]*")) {
                return line.trim();
            }
        }
        return t.getClass().getSimpleName();
    }
}
