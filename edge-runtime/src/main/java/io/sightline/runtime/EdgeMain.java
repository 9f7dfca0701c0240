package io.sightline.runtime;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar sightline-edge.jar}: the vehicle's process alone (Dockerfile.edge). It holds the
 * edge's commands and nothing of the cloud: no Spring, no Axon, no PostgreSQL driver.
 */
@Command(name = "sightline-edge", mixinStandardHelpOptions = true, versionProvider = EdgeMain.Version.class,
        description = "Sightline's edge runtime: decode, detect, track, decide, journal and upload.",
        subcommands = {EdgeCommand.class, DetectCommand.class, CommandLine.HelpCommand.class})
public final class EdgeMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new EdgeMain()).execute(args));
    }

    /** The build's version and the runtime it runs on. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return BuildInfo.versionLines("sightline-edge");
        }
    }
}
