package io.sightline.inference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Resolves the project home (holding {@code models/} and {@code samples/}). */
public final class ProjectHome {
    public static final String PROPERTY = "sightline.home";

    private ProjectHome() {
    }

    /** {@code -Dsightline.home}, else the current directory. */
    public static Path get() {
        String p = System.getProperty(PROPERTY);
        return Path.of(p == null || p.isBlank() ? "." : p).toAbsolutePath().normalize();
    }

    /**
     * Directory of a bundled model by CLI name ({@code yolox-nano}, {@code fastestdet}) or folder name.
     *
     * @throws ModelRejectedException when it does not exist
     */
    public static Path bundledModel(String name) {
        String folder = switch (name.toLowerCase(Locale.ROOT)) {
            case "yolox-nano", "yolox_nano", "yolox" -> "yolox_nano";
            case "fastestdet", "fastest-det" -> "fastestdet";
            default -> name;
        };
        Path dir = get().resolve("models").resolve(folder);
        if (!Files.isDirectory(dir)) {
            throw new ModelRejectedException("model '" + name + "' not found: no directory " + dir
                    + " (set -D" + PROPERTY + "=<project dir> containing models/)", null);
        }
        return dir;
    }
}
