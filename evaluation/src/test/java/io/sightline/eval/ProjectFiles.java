package io.sightline.eval;

import java.nio.file.Files;
import java.nio.file.Path;

/** The project's shipped scenarios and families, found from Maven's {@code sightline.project.dir} or the module folder. */
final class ProjectFiles {

    private ProjectFiles() {
    }

    static Path root() {
        String dir = System.getProperty("sightline.project.dir");
        Path p = dir != null ? Path.of(dir) : Path.of("").toAbsolutePath().getParent();
        if (!Files.isDirectory(p.resolve("scenarios/families"))) {
            throw new AssertionError("project data " + p.resolve("scenarios/families") + " is missing: it is part of the repository");
        }
        return p;
    }

    static Path families() {
        return root().resolve("scenarios/families");
    }

    static Path scenario(String name) {
        return root().resolve("scenarios").resolve(name);
    }
}
