package io.sightline.edge;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Edge-runtime components must not drag in file formats, the simulator or the CLI. */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sightline.edge");

    @Test
    void trackingDependsOnlyOnAssignment() {
        noClasses().that().resideInAPackage("io.sightline.edge.tracking..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.sightline.edge.mot..", "io.sightline.edge.cli..", "io.sightline.edge.bench..",
                        "picocli..")
                .check(MAIN);
    }

    @Test
    void assignmentSolverIsStandalone() {
        noClasses().that().resideInAPackage("io.sightline.edge.assign..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.sightline.edge.tracking..", "io.sightline.edge.mot..", "io.sightline.edge.cli..")
                .check(MAIN);
    }

    @Test
    void safetyCoreDoesNotDependOnSimulationFileFormatsOrTheCli() {
        noClasses().that().resideInAnyPackage("io.sightline.edge.range..", "io.sightline.edge.risk..",
                        "io.sightline.edge.actuation..", "io.sightline.edge.pipeline..", "io.sightline.edge.events..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.sightline.edge.scenario..", "io.sightline.edge.signals..", "io.sightline.edge.cli..",
                        "io.sightline.edge.mot..", "picocli..")
                .check(MAIN);
    }

    @Test
    void rangeEstimationIsIndependentOfPolicyAndActuation() {
        noClasses().that().resideInAPackage("io.sightline.edge.range..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.sightline.edge.risk..", "io.sightline.edge.actuation..", "io.sightline.edge.pipeline..")
                .check(MAIN);
    }

    @Test
    void motToolingDoesNotDependOnTheCli() {
        noClasses().that().resideInAPackage("io.sightline.edge.mot..")
                .should().dependOnClassesThat().resideInAnyPackage("io.sightline.edge.cli..", "picocli..")
                .check(MAIN);
    }
}
