package io.sightline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The data the project carries (scenarios, clips, vehicle signals, test stills, MOT fixtures) is
 * the data its provenance describes: every folder that holds copied data records each file's
 * sha256 in a {@code SHA256SUMS} beside it, in {@code sha256sum}'s format, and this test compares
 * the files with the record. Nothing is compared with a folder outside the repository, and nothing
 * in the project may point at one: a clone of the project alone must pass its tests.
 */
class ShippedDataTest {

    /** Folders whose data files must all be listed in their SHA256SUMS (documentation and licences aside). */
    static final List<String> DATA_FOLDERS = List.of(
            "scenarios",
            "samples",
            "edge-projector/src/test/resources/mot",
            "inference-adapters/src/test/resources/images",
            "query-api/src/test/resources/images");

    static Path root() {
        return Path.of("..").toAbsolutePath().normalize();
    }

    @Test
    void everyRecordedHashMatchesItsFile() throws Exception {
        List<Path> sums = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root())) {
            walk.filter(p -> p.getFileName().toString().equals("SHA256SUMS"))
                    .filter(p -> !isBuildOutput(root().relativize(p)))
                    .forEach(sums::add);
        }
        assertThat(sums).as("SHA256SUMS files").hasSizeGreaterThanOrEqualTo(DATA_FOLDERS.size());
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (Path sumFile : sums) {
            for (Map.Entry<String, String> e : parse(sumFile).entrySet()) {
                Path file = sumFile.getParent().resolve(e.getKey());
                if (!Files.isRegularFile(file)) {
                    mismatches.add(root().relativize(file) + ": listed in " + root().relativize(sumFile) + " but missing");
                    continue;
                }
                String actual = sha256(file);
                if (!actual.equals(e.getValue())) {
                    mismatches.add(root().relativize(file) + ": sha256 " + actual + ", recorded " + e.getValue());
                }
                checked++;
            }
        }
        assertThat(mismatches).as("files that differ from their recorded sha256").isEmpty();
        assertThat(checked).as("files checked").isGreaterThanOrEqualTo(20);
    }

    @Test
    void everyDataFileIsRecorded() throws Exception {
        List<String> unlisted = new ArrayList<>();
        for (String folder : DATA_FOLDERS) {
            Path dir = root().resolve(folder);
            Path sumFile = dir.resolve("SHA256SUMS");
            assertThat(sumFile).as("the provenance record of " + folder).isRegularFile();
            Set<String> listed = parse(sumFile).keySet();
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                    String name = p.getFileName().toString();
                    if (name.equals("SHA256SUMS") || name.endsWith(".md") || name.startsWith("LICENSE")) {
                        continue;
                    }
                    String rel = dir.relativize(p).toString().replace('\\', '/');
                    if (!listed.contains(rel)) {
                        unlisted.add(folder + "/" + rel);
                    }
                }
            }
        }
        assertThat(unlisted).as("data files with no recorded sha256 (add them: cd FOLDER && sha256sum FILE >> SHA256SUMS)").isEmpty();
    }

    @Test
    void nothingInTheProjectPointsAtTheTeamsSharedFolder() throws Exception {
        // Assembled, so that this file does not match itself.
        List<String> forbidden = List.of(".." + "/shared", "SIGHTLINE_" + "SHARED_DIR", "/work" + "/shared", "/work" + "/main");
        Set<String> offenders = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(root())) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                Path rel = root().relativize(p);
                if (isBuildOutput(rel) || !isText(rel)) {
                    continue;
                }
                String text = Files.readString(p, StandardCharsets.UTF_8);
                for (String f : forbidden) {
                    if (text.contains(f)) {
                        offenders.add(rel + " (" + f + ")");
                    }
                }
            }
        }
        assertThat(offenders).as("files naming a folder outside the repository: copy what they need into the project").isEmpty();
    }

    static boolean isBuildOutput(Path rel) {
        String first = rel.getNameCount() > 0 ? rel.getName(0).toString() : "";
        if (first.equals(".git") || first.equals(".sightline") || first.equals("node_modules")) {
            return true;
        }
        for (Path part : rel) {
            if (part.toString().equals("target")) {
                return true;
            }
        }
        return false;
    }

    static boolean isText(Path rel) {
        String n = rel.getFileName().toString();
        return n.endsWith(".java") || n.endsWith(".md") || n.endsWith(".xml") || n.endsWith(".properties")
                || n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json") || n.endsWith(".sh")
                || n.endsWith(".js") || n.endsWith(".html") || n.equals("run") || n.equals("sightline")
                || n.startsWith("Dockerfile");
    }

    /** sha256sum's format: 64 hex digits, two spaces (or space and '*'), the relative path. */
    static Map<String, String> parse(Path sumFile) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(sumFile, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            assertThat(line).as(sumFile + " line " + lineNo).matches("[0-9a-f]{64} [ *].+");
            entries.put(line.substring(66), line.substring(0, 64));
        }
        return entries;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            DigestInputStream d = (DigestInputStream) in;
            d.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(d.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
