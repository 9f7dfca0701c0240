package io.sightline.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code sightline version}: the build's version and the runtime it runs on. */
@Command(name = "version", description = "Print the version of Sightline and its runtime.")
public class VersionCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        for (String line : new Provider().getVersion()) {
            System.out.println(line);
        }
        return 0;
    }

    public static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionCommand.class.getResourceAsStream("/sightline-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // Fall through to "unknown": the version file is part of the jar, never user input.
        }
        return p.getProperty("version", "unknown");
    }

    public static class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                    "sightline " + version(),
                    "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
                    "os " + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }
    }
}
