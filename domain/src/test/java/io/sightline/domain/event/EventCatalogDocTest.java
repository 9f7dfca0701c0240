package io.sightline.domain.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.axonframework.serialization.Revision;
import org.junit.jupiter.api.Test;

/** Keeps docs/events.md, {@link EventCatalog} and the event classes in step. */
class EventCatalogDocTest {

    /** Events past revision 1; each has an upcaster from the revision before (docs/events.md says which). */
    private static final Map<String, String> LATER_REVISIONS = Map.of("FrameCaptured", "2", "ModelActivated", "2", "ShadowFramesDropped", "2",
            "EvidenceClipRecorded", "3", "VehicleAssigned", "2", "RolloutRollbackUnconfirmed", "2");

    private static final Pattern ROW = Pattern.compile("^\\| `([A-Za-z]+)` \\| [^|]+ \\| [^|]+ \\| ([^|]+) \\| ([^|]+) \\|$");

    private static Map<String, String> documentedFields() throws IOException {
        Path root = Path.of(System.getProperty("sightline.project.dir", ".."));
        Path doc = root.resolve("docs/events.md");
        assertThat(doc).as("the event catalog %s", doc.toAbsolutePath()).exists();
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(doc)) {
            Matcher m = ROW.matcher(line.trim());
            if (m.matches()) {
                rows.put(m.group(1), m.group(2));
            }
        }
        return rows;
    }

    @Test
    void everyEventClassIsInTheCatalogAndTheDocument() throws IOException {
        Set<String> eventClasses = new ClassFileImporter().importPackages("io.sightline.domain.event").stream()
                .filter(c -> c.isAssignableTo(SightlineEvent.class) && !c.isInterface())
                .map(JavaClass::getSimpleName)
                .collect(Collectors.toSet());
        Set<String> catalog = EventCatalog.TYPES.stream().map(Class::getSimpleName).collect(Collectors.toSet());
        assertThat(catalog).as("EventCatalog.TYPES").containsExactlyInAnyOrderElementsOf(eventClasses);
        assertThat(documentedFields().keySet()).as("event rows in docs/events.md").containsExactlyInAnyOrderElementsOf(eventClasses);
    }

    @Test
    void everyDocumentedRowListsExactlyTheRecordFields() throws IOException {
        Map<String, String> rows = documentedFields();
        for (Class<? extends SightlineEvent> type : EventCatalog.TYPES) {
            Set<String> documented = Pattern.compile("`([A-Za-z0-9]+)`").matcher(rows.get(type.getSimpleName())).results()
                    .map(r -> r.group(1)).collect(Collectors.toSet());
            Set<String> actual = java.util.Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName)
                    .collect(Collectors.toSet());
            assertThat(documented).as("fields of %s in docs/events.md", type.getSimpleName()).isEqualTo(actual);
        }
    }

    @Test
    void everyEventIsAnImmutableRecordWithARevision() {
        for (Class<? extends SightlineEvent> type : EventCatalog.TYPES) {
            assertThat(type.isRecord()).as("%s is a record", type.getSimpleName()).isTrue();
            Revision revision = type.getAnnotation(Revision.class);
            assertThat(revision).as("@Revision on %s", type.getSimpleName()).isNotNull();
            assertThat(revision.value()).as("@Revision of %s", type.getSimpleName())
                    .isEqualTo(LATER_REVISIONS.getOrDefault(type.getSimpleName(), "1"));
        }
    }

    @Test
    void laterRevisionsAreDocumented() throws IOException {
        String doc = Files.readString(Path.of(System.getProperty("sightline.project.dir", "..")).resolve("docs/events.md"));
        for (Map.Entry<String, String> e : LATER_REVISIONS.entrySet()) {
            assertThat(doc).as("docs/events.md names revision %s of %s", e.getValue(), e.getKey())
                    .contains("`" + e.getKey() + "` revision " + e.getValue());
        }
    }

    @Test
    void derivedEventsCarryCauses() {
        for (Class<? extends SightlineEvent> type : EventCatalog.TYPES) {
            boolean hasCauses = java.util.Arrays.stream(type.getRecordComponents()).anyMatch(c -> c.getName().equals("causes"));
            assertThat(hasCauses).as("%s has causes iff it is a DerivedEvent", type.getSimpleName())
                    .isEqualTo(DerivedEvent.class.isAssignableFrom(type));
        }
    }
}
