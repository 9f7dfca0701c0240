package io.sightline.cloud;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RestController;

/**
 * The cloud module's house rules (issue 14 §5): controllers go through read models, each projection
 * table has one read model, and HTTP status codes belong to the HTTP layer.
 */
class CloudArchitectureTest {

    /**
     * Every table a migration creates that is a projection: the class that writes it and the one
     * class that reads it (null: nothing in query-api reads it; {@code ./sightline run} checks
     * {@code sessions} from app). A new migration table must be added here or to {@link #NOT_PROJECTIONS}.
     */
    private static final Map<String, Owners> PROJECTION_TABLES = Map.ofEntries(
            Map.entry("sessions", new Owners("io.sightline.cloud.projection.SessionsProjection", "io.sightline.cloud.api.SessionReadModel")),
            Map.entry("drift_session_features", new Owners("io.sightline.cloud.monitoring.drift.DriftMonitor", "io.sightline.cloud.api.DriftReadModel")),
            Map.entry("drift_references", new Owners("io.sightline.cloud.monitoring.drift.DriftMonitor", null)),
            Map.entry("registry_artifacts", new Owners("io.sightline.cloud.registry.RegistryProjection", "io.sightline.cloud.registry.RegistryReadModel")),
            Map.entry("drift_status", new Owners("io.sightline.cloud.monitoring.drift.DriftMonitor", "io.sightline.cloud.api.DriftReadModel")),
            Map.entry("camera_health_sessions", new Owners("io.sightline.cloud.monitoring.camera.CameraHealthProjection", null)),
            Map.entry("camera_episodes", new Owners("io.sightline.cloud.monitoring.camera.CameraHealthProjection", "io.sightline.cloud.api.CameraHealthReadModel")),
            Map.entry("drift_findings", new Owners("io.sightline.cloud.monitoring.drift.DriftMonitor", "io.sightline.cloud.api.DriftReadModel")),
            Map.entry("trace_edges", new Owners("io.sightline.cloud.projection.TraceEdgesProjection", "io.sightline.cloud.trace.JdbcEventLookup")),
            Map.entry("session_models", new Owners("io.sightline.cloud.projection.AlertsProjection", "io.sightline.cloud.trace.JdbcEventLookup")),
            Map.entry("alerts", new Owners("io.sightline.cloud.projection.AlertsProjection", "io.sightline.cloud.api.AlertReadModel")),
            Map.entry("alert_sessions", new Owners("io.sightline.cloud.projection.AlertsProjection", "io.sightline.cloud.api.AlertReadModel")),
            Map.entry("missed_events", new Owners("io.sightline.cloud.projection.AlertsProjection", "io.sightline.cloud.api.AlertReadModel")),
            // Written by evidence ingestion rather than an event handler, but read like a projection.
            Map.entry("evidence_frame", new Owners("io.sightline.cloud.evidence.EvidenceIngestion", "io.sightline.cloud.evidence.AlertEvidenceService")),
            // The outbox: the alerts processor queues, the publisher claims and marks (ADR-0016).
            Map.entry("alert_notifications", new Owners("io.sightline.cloud.notify.AlertNotifier", "io.sightline.cloud.notify.AlertPublisher")),
            // The latency monitor (ADR-0023): its working tables only it reads; the series and findings the API reads.
            Map.entry("latency_sessions", new Owners("io.sightline.cloud.projection.LatencyMonitorProjection", null)),
            Map.entry("latency_windows", new Owners("io.sightline.cloud.projection.LatencyMonitorProjection", null)),
            Map.entry("latency_detectors", new Owners("io.sightline.cloud.projection.LatencyMonitorProjection", "io.sightline.cloud.api.LatencyReadModel")),
            Map.entry("latency_session_p95", new Owners("io.sightline.cloud.projection.LatencyMonitorProjection", "io.sightline.cloud.api.LatencyReadModel")),
            Map.entry("latency_findings", new Owners("io.sightline.cloud.projection.LatencyMonitorProjection", "io.sightline.cloud.api.LatencyReadModel")),
            Map.entry("rollouts", new Owners("io.sightline.cloud.rollout.RolloutsProjection", "io.sightline.cloud.rollout.RolloutService")),
            Map.entry("rollout_sessions", new Owners("io.sightline.cloud.rollout.RolloutEvidenceProjection", "io.sightline.cloud.rollout.RolloutEvidenceReader")),
            Map.entry("rollout_evidence", new Owners("io.sightline.cloud.rollout.RolloutEvidenceProjection", "io.sightline.cloud.rollout.RolloutEvidenceReader")));

    /** Axon's own tables and ingestion's bookkeeping: state of their one owner, not projections of events. */
    private static final Set<String> NOT_PROJECTIONS = Set.of("domain_event_entry", "snapshot_event_entry", "token_entry", "saga_entry",
            "association_value_entry", "dead_letter_entry", "ingest_device_key", "ingest_session_device", "ingest_rejection_count",
            // Window requests and their answers (ADR-0027): WindowRequests' own bookkeeping, not a projection of events.
            "window_requests");

    private static JavaClasses classes;

    private record Owners(String writer, String readModel) {
    }

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("io.sightline.cloud");
        // Guards the rules against passing vacuously on an empty import.
        assertThat(classes.stream().filter(c -> c.isAnnotatedWith(RestController.class)).count()).as("controllers imported")
                .isGreaterThan(5);
    }

    @Test
    void controllersQueryThroughReadModelsNotJdbc() {
        noClasses().that().areAnnotatedWith(RestController.class).or().areAnnotatedWith(Controller.class)
                .should().dependOnClassesThat().haveFullyQualifiedName("org.springframework.jdbc.core.JdbcTemplate")
                .orShould().dependOnClassesThat()
                .haveFullyQualifiedName("org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("org.springframework.jdbc.core.simple.JdbcClient")
                .because("a controller maps HTTP to read models and services; SQL lives in the read model of its table")
                .check(classes);
    }

    @Test
    void everyMigrationTableIsClassified() throws IOException {
        Set<String> created = new TreeSet<>();
        Pattern create = Pattern.compile("(?i)create\\s+table\\s+(?:if\\s+not\\s+exists\\s+)?([a-z_][a-z0-9_]*)");
        for (Resource r : new PathMatchingResourcePatternResolver().getResources("classpath*:db/migration/*.sql")) {
            try (InputStream in = r.getInputStream()) {
                Matcher m = create.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                while (m.find()) {
                    created.add(m.group(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        assertThat(created).as("tables the migrations create").contains("alerts", "domain_event_entry");
        Set<String> classified = new TreeSet<>(PROJECTION_TABLES.keySet());
        classified.addAll(NOT_PROJECTIONS);
        assertThat(classified).as("every migration table is a projection (with its read model) or named as not one")
                .containsExactlyInAnyOrderElementsOf(created);
    }

    @Test
    void eachProjectionTableIsReadByExactlyOneReadModel() {
        classes().that().resideInAPackage("io.sightline.cloud..")
                .should(new ArchCondition<JavaClass>("name a projection table in SQL only as that table's writer or its one read model") {
                    @Override
                    public void check(JavaClass c, ConditionEvents events) {
                        String owner = c.getName().contains("$") ? c.getName().substring(0, c.getName().indexOf('$')) : c.getName();
                        for (String sql : stringConstants(c)) {
                            for (Map.Entry<String, Owners> t : PROJECTION_TABLES.entrySet()) {
                                if (namesTable(sql, t.getKey()) && !owner.equals(t.getValue().writer())
                                        && !owner.equals(t.getValue().readModel())) {
                                    events.add(SimpleConditionEvent.violated(c, owner + " queries projection table " + t.getKey()
                                            + " (\"" + abbreviate(sql) + "\"); its read model is "
                                            + (t.getValue().readModel() == null ? "not in query-api" : t.getValue().readModel())
                                            + ": add the query there"));
                                }
                            }
                        }
                    }
                })
                .because("one class per projection table knows its columns and its fleet filter (issue 14 §5)")
                .check(classes);
    }

    @Test
    void theTableRuleSeesTheSqlItGuards() {
        // Without this, a change to how SQL is compiled (or a broken constant-pool reader) would pass the rule vacuously.
        JavaClass readModel = classes.get("io.sightline.cloud.api.AlertReadModel");
        assertThat(stringConstants(readModel)).anyMatch(s -> namesTable(s, "alerts"));
        JavaClass lookup = classes.get("io.sightline.cloud.trace.JdbcEventLookup");
        assertThat(stringConstants(lookup)).anyMatch(s -> namesTable(s, "trace_edges"));
    }

    @Test
    void ingestionDecidesOutcomesAndLeavesHttpStatusesToControllers() {
        DescribedPredicate<JavaClass> ingestion = new DescribedPredicate<>("ingestion services and their results") {
            @Override
            public boolean test(JavaClass c) {
                return c.getPackageName().equals("io.sightline.cloud.ingest") && !c.isAnnotatedWith(RestController.class);
            }
        };
        noClasses().that(ingestion)
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework.http..", "org.springframework.web..")
                .because("SignedBatchIngestion is shared by HTTP, MQTT and in-process ingestion; only IngestController speaks HTTP")
                .check(classes);
        classes().that(ingestion)
                .should(new ArchCondition<JavaClass>("declare no HTTP status member") {
                    @Override
                    public void check(JavaClass c, ConditionEvents events) {
                        List<JavaMember> members = new ArrayList<>(c.getFields());
                        members.addAll(c.getMethods());
                        for (JavaMember m : members) {
                            if (m.getName().toLowerCase(Locale.ROOT).contains("httpstatus")) {
                                events.add(SimpleConditionEvent.violated(c, m.getFullName() + " carries an HTTP status; map the outcome"
                                        + " and reason to a status in IngestController"));
                            }
                        }
                    }
                })
                .check(classes);
    }

    private static final Map<String, Pattern> TABLE_PATTERNS = new HashMap<>();

    /** Whether {@code sql} names {@code table} where SQL names a table (after from, join, into, update, table). */
    static boolean namesTable(String sql, String table) {
        Pattern p = TABLE_PATTERNS.computeIfAbsent(table,
                t -> Pattern.compile("(?i)\\b(from|join|into|update|table|truncate)\\s+(only\\s+)?" + t + "\\b"));
        return p.matcher(sql).find();
    }

    private static String abbreviate(String s) {
        String flat = s.replaceAll("\\s+", " ").trim();
        return flat.length() > 90 ? flat.substring(0, 90) + "…" : flat;
    }

    /**
     * The class file's string constants: literals, and the constant parts of concatenations (the
     * recipes of Java's indified string concatenation are string constants too). ArchUnit models
     * dependencies, not literals, so the constant pool is read here.
     */
    static List<String> stringConstants(JavaClass c) {
        URI uri = c.getSource().orElseThrow(() -> new IllegalStateException("no class file for " + c.getName())).getUri();
        byte[] bytes;
        try (InputStream in = uri.toURL().openStream()) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + uri, e);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            in.skipNBytes(8);
            int count = in.readUnsignedShort();
            Map<Integer, String> utf8 = new LinkedHashMap<>();
            List<Integer> strings = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8.put(i, in.readUTF());
                    case 8 -> strings.add(in.readUnsignedShort());
                    case 7, 16, 19, 20 -> in.skipNBytes(2);
                    case 15 -> in.skipNBytes(3);
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                    case 5, 6 -> {
                        in.skipNBytes(8);
                        i++;
                    }
                    default -> throw new IllegalStateException("constant pool tag " + tag + " in " + uri);
                }
            }
            return strings.stream().map(utf8::get).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot parse " + uri, e);
        }
    }
}
