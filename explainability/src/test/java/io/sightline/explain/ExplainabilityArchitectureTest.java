package io.sightline.explain;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The engines stay usable from the CLI, tests and any store: no Spring, no Axon, no edge or cloud code. */
class ExplainabilityArchitectureTest {

    @Test
    void explainabilityDependsOnlyOnTheDomain() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.sightline.explain");
        org.assertj.core.api.Assertions.assertThat(classes).as("imported classes").hasSizeGreaterThan(20);
        noClasses().that().resideInAPackage("io.sightline.explain..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.axonframework..", "io.sightline.edge..",
                        "io.sightline.cloud..", "io.sightline.inference..", "java.sql..")
                .because("explainability reads events through the EventLookup port only, and the live policy plugs in through DecisionModel")
                .check(classes);
    }
}
