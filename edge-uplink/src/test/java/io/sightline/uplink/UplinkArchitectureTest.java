package io.sightline.uplink;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * This module's tests put the cloud on the classpath to run it end to end, so the rule that the
 * edge never depends on the cloud is checked here too, on the main classes only.
 */
class UplinkArchitectureTest {

    @Test
    void uplinkMainCodeNeverUsesTheCloud() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("io.sightline.uplink");
        // Guards the rule against passing on an empty import.
        assertThat(classes.stream().map(c -> c.getSimpleName())).contains("EdgeJournal", "Uploader", "MqttUplinkTransport");
        noClasses().that().resideInAPackage("io.sightline.uplink..")
                .should().dependOnClassesThat().resideInAPackage("io.sightline.cloud..")
                .because("the edge runs on the vehicle and reaches the cloud only through the wire format and a transport (ADR-0005)")
                .check(classes);
    }
}
