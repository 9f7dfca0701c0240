package io.sightline.app;

import io.sightline.runtime.BuildInfo;
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
        return BuildInfo.version();
    }

    public static class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return BuildInfo.versionLines("sightline");
        }
    }
}
