package io.sightline.app;

import io.sightline.runtime.EdgeCommand;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.run.RunCommand;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine.Option;

/**
 * No Docker engine runs here, so the deployment files under {@code docker/} are checked statically:
 * the images build from the jar that {@code ./mvnw package} produces, and {@code compose.yaml}
 * names only services, ports, URLs and files that exist.
 */
class DockerFilesTest {

    private static final int SERVER_PORT = 8080;
    private static final int MQTT_PORT = 1883;
    private static final int POSTGRES_PORT = 5432;

    private static Path root;
    private static Path dockerDir;
    private static String jarPath;
    private static String edgeJarPath;
    private static Map<String, Object> compose;
    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws Exception {
        root = repositoryRoot();
        dockerDir = root.resolve("docker");
        jarPath = "app/target/" + finalName(root.resolve("app/pom.xml")) + ".jar";
        edgeJarPath = "edge-runtime/target/" + EdgeJarTest.JAR_NAME;
        compose = new Yaml().load(Files.readString(dockerDir.resolve("compose.yaml")));
        services = (Map<String, Map<String, Object>>) compose.get("services");
    }

    // --- Dockerfiles ---------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.cloud", "Dockerfile.edge"})
    void imagesAreMultiStageAndEndOnANonRootJreStage(String name) throws IOException {
        Dockerfile file = Dockerfile.parse(dockerDir.resolve(name));
        assertThat(file.stages).as("%s: build stage + runtime stage", name).hasSizeGreaterThanOrEqualTo(2);

        Stage build = file.stages.get(0);
        assertThat(build.image()).as("%s: the build stage needs a JDK 17", name).contains(":17").contains("jdk");
        String module = name.equals("Dockerfile.edge") ? "edge-runtime" : "app";
        assertThat(build.all("RUN")).as("%s: the build stage runs the project's Maven build of its module", name)
                .anySatisfy(run -> assertThat(run).contains("./mvnw").contains("package").contains("-pl " + module).contains("-am"));

        Stage runtime = file.stages.get(file.stages.size() - 1);
        assertThat(runtime.image()).as("%s: slim JRE 17 runtime", name).contains(":17").contains("jre");
        assertThat(runtime.image()).as("%s: the JavaCV/ONNX Runtime natives need glibc", name).doesNotContain("alpine");

        List<String> users = runtime.all("USER");
        assertThat(users).as("%s: the runtime stage sets USER", name).isNotEmpty();
        String user = users.get(users.size() - 1).split(":")[0];
        assertThat(user).as("%s: the last USER is not root", name).isNotIn("root", "0");
        assertThat(runtime.all("RUN")).as("%s: the USER exists in the image", name)
                .anySatisfy(run -> assertThat(run).contains("useradd").contains(" " + user));

        // The cloud serves its health; the edge serves nothing and is healthy once it journals.
        String health = name.equals("Dockerfile.edge") ? "journal.db" : "/actuator/health";
        assertThat(runtime.all("HEALTHCHECK")).as("%s: HEALTHCHECK", name).singleElement()
                .satisfies(h -> assertThat(h).contains("CMD").contains(health));
        assertThat(String.join("\n", runtime.all("ENV"))).as("%s: heap sized from the container limit", name)
                .contains("JAVA_TOOL_OPTIONS").containsPattern("-XX:MaxRAMPercentage=\\d+");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.cloud", "Dockerfile.edge"})
    void imagesCopyTheJarThatMavenPackageProduces(String name) throws IOException {
        Dockerfile file = Dockerfile.parse(dockerDir.resolve(name));
        Stage build = file.stages.get(0);
        Stage runtime = file.stages.get(file.stages.size() - 1);
        assertThat(build.alias).as("%s: the build stage is named for COPY --from", name).isNotBlank();
        String workdir = build.all("WORKDIR").get(build.all("WORKDIR").size() - 1);

        String jar = name.equals("Dockerfile.edge") ? edgeJarPath : jarPath;
        List<Copy> jarCopies = runtime.copies().stream().filter(c -> build.alias.equals(c.from)).toList();
        assertThat(jarCopies).as("%s: one COPY --from=%s", name, build.alias).singleElement()
                .satisfies(c -> assertThat(c.sources).containsExactly(workdir + "/" + jar));

        String jarInImage = jarCopies.get(0).destination;
        String entrypoint = String.join(" ", runtime.all("ENTRYPOINT"));
        assertThat(entrypoint).as("%s: ENTRYPOINT runs the copied jar", name).contains("\"" + jarInImage + "\"");
    }

    @Test
    void cloudImageStartsTheCloudApplicationOnThePortTheAppServes() throws Exception {
        Stage runtime = last(Dockerfile.parse(dockerDir.resolve("Dockerfile.cloud")));
        assertThat(runtime.all("EXPOSE")).containsExactly(Integer.toString(SERVER_PORT));
        assertThat(String.join(" ", runtime.all("ENV"))).contains("SERVER_PORT=" + SERVER_PORT);
        assertThat(String.join(" ", runtime.all("HEALTHCHECK"))).contains("127.0.0.1:" + SERVER_PORT + "/actuator/health");

        // The jar's Main-Class is the CLI; the image runs its `cloud` command, from a project home.
        List<String> entrypoint = jsonArray(runtime.all("ENTRYPOINT"));
        assertThat(entrypoint).as("exec form, so that java is PID 1 and receives SIGTERM").isNotEmpty();
        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint).anySatisfy(a -> assertThat(a).startsWith("-Dsightline.home="));
        assertThat(entrypoint.get(entrypoint.size() - 1)).as("the entrypoint ends in the cloud command").isEqualTo("cloud");
        assertThat(new picocli.CommandLine(new SightlineCli()).getSubcommands()).containsKey("cloud");

        // The port the app itself uses: Spring's default unless the properties say otherwise, and run's --port default.
        Properties app = new Properties();
        try (var in = Files.newInputStream(root.resolve("query-api/src/main/resources/application.properties"))) {
            app.load(in);
        }
        assertThat(app.getProperty("server.port", Integer.toString(SERVER_PORT))).isEqualTo(Integer.toString(SERVER_PORT));
        assertThat(RunCommand.class.getDeclaredField("port").getAnnotation(Option.class).defaultValue())
                .isEqualTo(Integer.toString(SERVER_PORT));
    }

    @Test
    void edgeImageRunsFromAProjectHomeHoldingTheModelsAndSamples() throws IOException {
        Stage runtime = last(Dockerfile.parse(dockerDir.resolve("Dockerfile.edge")));
        Matcher home = Pattern.compile("-Dsightline\\.home=(\\S+?)\"").matcher(String.join(" ", runtime.all("ENTRYPOINT")));
        assertThat(home.find()).as("ENTRYPOINT sets -Dsightline.home").isTrue();
        Set<String> destinations = new LinkedHashSet<>();
        runtime.copies().stream().filter(c -> c.from == null).forEach(c -> destinations.add(trimSlash(c.destination)));
        assertThat(destinations).contains(home.group(1) + "/models", home.group(1) + "/samples");
        // The edge-only jar, whose main class holds the edge command; the uplink is compose's to name.
        assertThat(String.join(" ", runtime.all("ENTRYPOINT"))).contains("sightline-edge.jar");
        assertThat(String.join(" ", runtime.all("CMD"))).contains("\"edge\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.cloud", "Dockerfile.edge"})
    void everyFileCopiedFromTheContextExistsAndIsNotIgnored(String name) throws IOException {
        Dockerfile file = Dockerfile.parse(dockerDir.resolve(name));
        Path ignoreFile = dockerDir.resolve(name + ".dockerignore");
        assertThat(ignoreFile).as("BuildKit reads %s.dockerignore when the context is the repository root", name).exists();
        List<String> ignored = Files.readAllLines(ignoreFile).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(ignored).as("%s: a host jar must not leak into the context", name).contains("**/target");

        List<String> sources = new ArrayList<>();
        for (Stage stage : file.stages) {
            stage.copies().stream().filter(c -> c.from == null).forEach(c -> sources.addAll(c.sources));
        }
        assertThat(sources).as("%s copies something from the context", name).isNotEmpty();
        for (String source : sources) {
            assertThat(root.resolve(source)).as("%s: COPY %s", name, source).exists();
            String top = trimSlash(source).split("/")[0];
            assertThat(ignored).as("%s: COPY %s is excluded by %s", name, source, ignoreFile.getFileName()).doesNotContain(top);
        }
        // The build stage compiles the sources, so the sources and the wrapper must reach it.
        assertThat(ignored).doesNotContain("mvnw", ".mvn", "app", "query-api", "pom.xml");
    }

    // --- compose.yaml --------------------------------------------------------------------------

    @Test
    void composeHasTheFiveServicesAndTheirImages() {
        assertThat(services).containsOnlyKeys("postgres", "mosquitto", "cloud", "edge-provision", "edge");
        assertThat(services.get("edge-provision").get("image")).as("provisioning runs from the cloud's image")
                .isEqualTo(services.get("cloud").get("image"));
        assertThat((String) services.get("postgres").get("image")).startsWith("postgres:16");
        assertThat((String) services.get("mosquitto").get("image")).startsWith("eclipse-mosquitto:2");
        assertThat(build("cloud").get("dockerfile")).isEqualTo("docker/Dockerfile.cloud");
        assertThat(build("edge").get("dockerfile")).isEqualTo("docker/Dockerfile.edge");
        for (String service : List.of("cloud", "edge")) {
            Path context = dockerDir.resolve((String) build(service).get("context")).normalize();
            assertThat(context).as("%s builds with the repository root as context", service).isEqualTo(root);
            assertThat(context.resolve((String) build(service).get("dockerfile"))).exists();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void dependsOnNamesOnlyExistingServicesAndWaitsForHealth() {
        int edges = 0;
        for (var e : services.entrySet()) {
            Object dependsOn = e.getValue().get("depends_on");
            if (dependsOn == null) {
                continue;
            }
            assertThat(dependsOn).as("%s: depends_on in long form, to carry a condition", e.getKey()).isInstanceOf(Map.class);
            for (var dep : ((Map<String, Map<String, Object>>) dependsOn).entrySet()) {
                assertThat(services).as("%s depends on %s", e.getKey(), dep.getKey()).containsKey(dep.getKey());
                // A one-shot step (the depot's provisioning) is waited for until it completes; services until healthy.
                String condition = dep.getKey().equals("edge-provision") ? "service_completed_successfully" : "service_healthy";
                assertThat(dep.getValue()).as("%s -> %s", e.getKey(), dep.getKey()).containsEntry("condition", condition);
                edges++;
            }
        }
        assertThat(edges).isGreaterThanOrEqualTo(4);
        assertThat(dependsOn("cloud")).containsKeys("postgres", "mosquitto");
        assertThat(dependsOn("edge")).as("the edge talks to the cloud and the broker, never to the database")
                .containsOnlyKeys("edge-provision", "cloud", "mosquitto");
        assertThat(dependsOn("edge-provision")).containsOnlyKeys("cloud");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyServiceHasAHealthCheckAndResourceLimits() {
        for (var e : services.entrySet()) {
            Map<String, Object> health = (Map<String, Object>) e.getValue().get("healthcheck");
            assertThat(health).as("%s: healthcheck", e.getKey()).isNotNull().doesNotContainEntry("disable", true);
            assertThat(health.get("test")).as("%s: healthcheck test", e.getKey()).isInstanceOf(List.class);
            assertThat((List<Object>) health.get("test")).as("%s: a real check", e.getKey()).hasSizeGreaterThan(1)
                    .first().isIn("CMD", "CMD-SHELL");

            Map<String, Object> limits = (Map<String, Object>) path(e.getValue(), "deploy", "resources", "limits");
            assertThat(limits).as("%s: deploy.resources.limits", e.getKey()).isNotNull().containsKeys("cpus", "memory");
            assertThat(Double.parseDouble(String.valueOf(limits.get("cpus")))).as("%s cpus", e.getKey()).isPositive();
            assertThat(String.valueOf(limits.get("memory"))).as("%s memory", e.getKey()).matches("\\d+[kmg]");
        }
    }

    @Test
    void cloudPortsMatchTheImageAndTheApp() {
        List<String> ports = stringList(services.get("cloud").get("ports"));
        assertThat(ports).isNotEmpty().allSatisfy(p -> assertThat(containerPort(p)).isEqualTo(SERVER_PORT));
        assertThat(cloudOption("--port")).isEqualTo(Integer.toString(SERVER_PORT));
        assertThat(String.join(" ", healthTest("cloud"))).contains("127.0.0.1:" + SERVER_PORT + "/actuator/health");

        // The edge is a vehicle: it serves nothing and uploads to the cloud service over its port.
        assertThat(services.get("edge")).as("the edge publishes no host port").doesNotContainKey("ports");
        URI cloudUrl = URI.create(edgeOption("--cloud-url"));
        assertThat(cloudUrl.getHost()).isEqualTo("cloud");
        assertThat(cloudUrl.getPort()).isEqualTo(SERVER_PORT);
        URI provisionUrl = URI.create(env("edge-provision").get("SIGHTLINE_CLOUD_URL"));
        assertThat(provisionUrl.getHost()).isEqualTo("cloud");
        assertThat(provisionUrl.getPort()).isEqualTo(SERVER_PORT);
    }

    @Test
    void theDepotRegistersTheKeyThenTheEdgeRunsTheEdgeCommandWithBothUplinks() {
        String script = String.join("\n", stringList(services.get("edge-provision").get("command")));
        // The provisioning uses the real CLI: the key the edge command makes, a token minted with the shared secret.
        assertThat(script).contains("edge --print-device-key").contains("token --role admin")
                .contains("/api/v1/admin/devices/").contains("chown -R 10001:10001");
        for (String option : List.of("--print-device-key", "--mqtt-url", "--cloud-url", "--device-id", "--fleet", "--vehicle", "--realtime")) {
            assertThat(new picocli.CommandLine(new EdgeCommand()).getCommandSpec().findOption(option))
                    .as("edge %s exists", option).isNotNull();
        }
        for (String option : List.of("--role", "--fleet", "--minutes")) {
            assertThat(new picocli.CommandLine(new TokenCommand()).getCommandSpec().findOption(option)).as("token %s", option).isNotNull();
        }
        List<String> command = stringList(services.get("edge").get("command"));
        assertThat(command.get(0)).as("the edge image's entrypoint is the edge jar; compose names the command").isEqualTo("edge");
        assertThat(command).contains("--mqtt-url", "--cloud-url", "--realtime");
        // The device the depot registered is the one the edge runs as, and whose journal the health check reads.
        String deviceId = env("edge-provision").get("SIGHTLINE_DEVICE_ID");
        assertThat(edgeOption("--device-id")).isEqualTo(deviceId);
        assertThat(edgeOption("--fleet")).isEqualTo(env("edge-provision").get("SIGHTLINE_FLEET_ID"));
        assertThat(String.join(" ", healthTest("edge"))).contains("edge-" + deviceId + "/journal.db");
        assertThat(String.join(" ", healthTest("edge-provision"))).contains("registered-" + deviceId);
        // The depot hands the key's folder to the edge image's user.
        assertThat(services.get("edge-provision").get("volumes")).isEqualTo(services.get("edge").get("volumes"));
    }

    @Test
    void theCloudServiceRunsTheCloudCommandWithFlagsItHas() {
        picocli.CommandLine cloud = new picocli.CommandLine(new io.sightline.app.cloud.CloudCommand());
        List<String> command = stringList(services.get("cloud").get("command"));
        for (String arg : command) {
            if (arg.startsWith("--")) {
                assertThat(cloud.getCommandSpec().findOption(arg)).as("cloud %s exists", arg).isNotNull();
            }
        }
        assertThat(cloudOption("--role")).isIn("all", "ingest", "projections");
        // Parsing the whole command line as the image will: no unknown option, no missing value.
        cloud.parseArgs(command.toArray(String[]::new));
    }

    /** The value after {@code option} in the cloud service's command (the arguments of the image's `cloud`). */
    private static String cloudOption(String option) {
        List<String> command = stringList(services.get("cloud").get("command"));
        int i = command.indexOf(option);
        assertThat(i).as("cloud command has %s", option).isNotNegative();
        return command.get(i + 1);
    }

    /** The value after {@code option} in the edge service's command. */
    private static String edgeOption(String option) {
        List<String> command = stringList(services.get("edge").get("command"));
        int i = command.indexOf(option);
        assertThat(i).as("edge command has %s", option).isNotNegative();
        return command.get(i + 1);
    }

    @Test
    void mqttUrlPointsAtTheBrokerServiceAndItsListener() throws IOException {
        URI url = URI.create(cloudOption("--mqtt-url"));
        assertThat(url.getScheme()).isEqualTo("tcp");
        assertThat(url.getHost()).isEqualTo("mosquitto");
        assertThat(services).containsKey(url.getHost());
        assertThat(url.getPort()).isEqualTo(MQTT_PORT);
        assertThat(String.join(" ", healthTest("mosquitto"))).contains(Integer.toString(MQTT_PORT));

        List<String> mounts = stringList(services.get("mosquitto").get("volumes"));
        String config = mounts.stream().filter(m -> m.contains("/mosquitto/config/mosquitto.conf")).findFirst().orElseThrow();
        Path configFile = dockerDir.resolve(config.split(":")[0]).normalize();
        assertThat(configFile).exists();
        List<String> lines = Files.readAllLines(configFile).stream().map(String::strip).toList();
        assertThat(lines).contains("listener " + MQTT_PORT + " 0.0.0.0", "allow_anonymous true");
        assertThat(services.get("mosquitto")).as("anonymous broker stays inside the network").doesNotContainKey("ports");
        URI edgeMqtt = URI.create(edgeOption("--mqtt-url"));
        assertThat(edgeMqtt.getHost()).as("the edge publishes to the broker service").isEqualTo("mosquitto");
        assertThat(edgeMqtt.getPort()).isEqualTo(MQTT_PORT);
    }

    @Test
    void jdbcUrlsPointAtThePostgresServiceWithItsDatabaseAndUser() {
        Map<String, String> pg = env("postgres");
        assertThat(String.join(" ", healthTest("postgres"))).contains("-p " + POSTGRES_PORT).contains("-d " + pg.get("POSTGRES_DB"));
        List<String> urls = new ArrayList<>();
        Map<String, String> env = env("cloud");
        assertThat(env).as("cloud: a URL is required, or the app starts an embedded PostgreSQL").containsKey("SPRING_DATASOURCE_URL");
        urls.add(env.get("SPRING_DATASOURCE_URL"));
        assertThat(env.get("SPRING_DATASOURCE_USERNAME")).isEqualTo(pg.get("POSTGRES_USER"));
        assertThat(env.get("SPRING_DATASOURCE_PASSWORD")).isEqualTo(pg.get("POSTGRES_PASSWORD"));
        assertThat(env("edge")).as("the edge needs no database").doesNotContainKey("SPRING_DATASOURCE_URL");
        // The provisioning token minted at the depot must verify on the cloud service; the vehicle holds no secret.
        assertThat(env.get("SIGHTLINE_SECURITY_JWT_SECRET")).isNotBlank();
        assertThat(env("edge-provision").get("SIGHTLINE_SECURITY_JWT_SECRET")).isEqualTo(env.get("SIGHTLINE_SECURITY_JWT_SECRET"));
        assertThat(env("edge")).doesNotContainKey("SIGHTLINE_SECURITY_JWT_SECRET");
        for (String jdbc : urls) {
            URI uri = URI.create(jdbc.substring("jdbc:".length()));
            assertThat(uri.getScheme()).isEqualTo("postgresql");
            assertThat(uri.getHost()).isEqualTo("postgres");
            assertThat(uri.getPort()).isEqualTo(POSTGRES_PORT);
            assertThat(uri.getPath()).isEqualTo("/" + pg.get("POSTGRES_DB"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void namedVolumesAreDeclaredAndBindMountsExist() {
        Set<String> declared = ((Map<String, Object>) compose.get("volumes")).keySet();
        Set<String> used = new LinkedHashSet<>();
        for (var e : services.entrySet()) {
            for (String mount : stringList(e.getValue().get("volumes"))) {
                String source = mount.split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    assertThat(dockerDir.resolve(source).normalize()).as("%s mounts %s", e.getKey(), source).exists();
                } else {
                    used.add(source);
                }
            }
        }
        assertThat(used).containsExactlyInAnyOrderElementsOf(declared).contains("pgdata", "edge-data");
    }

    // --- helpers -------------------------------------------------------------------------------

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.exists(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("docker")))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository root above %s", Path.of("").toAbsolutePath()).isNotNull();
        return dir;
    }

    private static String finalName(Path pom) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(false);
        Element project = factory.newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
        NodeList builds = project.getElementsByTagName("build");
        assertThat(builds.getLength()).as("app/pom.xml has a <build>").isPositive();
        NodeList names = ((Element) builds.item(0)).getElementsByTagName("finalName");
        assertThat(names.getLength()).as("app/pom.xml sets <finalName>").isEqualTo(1);
        return names.item(0).getTextContent().strip();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> build(String service) {
        return (Map<String, Object>) services.get(service).get("build");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dependsOn(String service) {
        return (Map<String, Object>) services.get(service).get("depends_on");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(String service) {
        Map<String, Object> raw = (Map<String, Object>) services.get(service).get("environment");
        assertThat(raw).as("%s: environment as a map", service).isNotNull();
        Map<String, String> out = new java.util.LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k, v == null ? null : String.valueOf(v)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<String> healthTest(String service) {
        return stringList(((Map<String, Object>) services.get(service).get("healthcheck")).get("test"));
    }

    @SuppressWarnings("unchecked")
    private static Object path(Map<String, Object> map, String... keys) {
        Object node = map;
        for (String key : keys) {
            if (!(node instanceof Map)) {
                return null;
            }
            node = ((Map<String, Object>) node).get(key);
        }
        return node;
    }

    /** An instruction in exec form (a JSON array), as its words; JSON is YAML, so the YAML parser reads it. */
    private static List<String> jsonArray(List<String> instructions) {
        assertThat(instructions).as("one instruction").hasSize(1);
        Object parsed = new Yaml().load(instructions.get(0));
        assertThat(parsed).as("exec form: %s", instructions.get(0)).isInstanceOf(List.class);
        return stringList(parsed);
    }

    private static List<String> stringList(Object value) {
        if (value == null) {
            return List.of();
        }
        assertThat(value).isInstanceOf(List.class);
        return ((List<?>) value).stream().map(String::valueOf).toList();
    }

    /** Container side of a short-form port mapping, {@code [host:]container[/proto]}; the host side may be a ${VAR}. */
    static int containerPort(String mapping) {
        String container = mapping.substring(mapping.lastIndexOf(':') + 1);
        return Integer.parseInt(container.replaceFirst("/(tcp|udp)$", ""));
    }

    private static String trimSlash(String s) {
        String t = s.startsWith("./") ? s.substring(2) : s;
        return t.endsWith("/") ? t.substring(0, t.length() - 1) : t;
    }

    private static Stage last(Dockerfile file) {
        return file.stages.get(file.stages.size() - 1);
    }

    /** A COPY instruction: {@code --from} (null for the build context), sources, destination. */
    record Copy(String from, List<String> sources, String destination) {
    }

    /** Instructions between one FROM and the next. */
    record Stage(String from, String alias, List<String[]> instructions) {

        String image() {
            return from;
        }

        List<String> all(String keyword) {
            return instructions.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).toList();
        }

        List<Copy> copies() {
            List<Copy> out = new ArrayList<>();
            for (String args : all("COPY")) {
                String from = null;
                List<String> words = new ArrayList<>();
                for (String word : args.split("\\s+")) {
                    if (word.startsWith("--from=")) {
                        from = word.substring("--from=".length());
                    } else if (!word.startsWith("--")) {
                        words.add(word);
                    }
                }
                assertThat(words).as("COPY %s: sources and a destination", args).hasSizeGreaterThanOrEqualTo(2);
                out.add(new Copy(from, List.copyOf(words.subList(0, words.size() - 1)), words.get(words.size() - 1)));
            }
            return out;
        }
    }

    /** Just enough of the Dockerfile grammar: comments, line continuations, instructions, stages. */
    record Dockerfile(List<Stage> stages) {

        static Dockerfile parse(Path file) throws IOException {
            List<String> logical = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String raw : Files.readAllLines(file)) {
                String line = raw.strip();
                if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
                    continue;
                }
                if (line.endsWith("\\")) {
                    current.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                current.append(line);
                logical.add(current.toString().strip());
                current.setLength(0);
            }
            assertThat(current.toString()).as("%s ends inside a continued line", file).isBlank();

            List<Stage> stages = new ArrayList<>();
            Stage stage = null;
            for (String line : logical) {
                String[] parts = line.split("\\s+", 2);
                String keyword = parts[0].toUpperCase(Locale.ROOT);
                String args = parts.length > 1 ? parts[1].strip() : "";
                if (keyword.equals("FROM")) {
                    String[] words = args.split("\\s+");
                    String alias = words.length >= 3 && words[1].equalsIgnoreCase("AS") ? words[2] : null;
                    stage = new Stage(words[0], alias, new ArrayList<>());
                    stages.add(stage);
                } else {
                    assertThat(stage).as("%s: %s before the first FROM", file, keyword).isNotNull();
                    stage.instructions().add(new String[] {keyword, args});
                }
            }
            return new Dockerfile(stages);
        }
    }
}
