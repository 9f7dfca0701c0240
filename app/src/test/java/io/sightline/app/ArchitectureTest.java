package io.sightline.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Module boundaries, checked over every production class of every module. Packages map to
 * modules: domain {@code io.sightline.domain}, inference-adapters {@code io.sightline.inference},
 * edge-projector {@code io.sightline.edge}, edge-uplink {@code io.sightline.uplink},
 * edge-runtime {@code io.sightline.runtime}, explainability {@code io.sightline.explain},
 * query-api {@code io.sightline.cloud}, evaluation {@code io.sightline.eval}, app {@code io.sightline.app}.
 */
class ArchitectureTest {

    private static final List<String> MODULE_ROOTS = List.of(
            "io.sightline.domain", "io.sightline.inference", "io.sightline.edge", "io.sightline.uplink", "io.sightline.runtime",
            "io.sightline.explain", "io.sightline.cloud", "io.sightline.eval", "io.sightline.app");
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                // Sibling modules arrive as jars under `verify` and as class folders under `test`.
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.sightline");
    }

    @Test
    void domainUsesNeitherSpringNorNativeLibraries() {
        noClasses().that().resideInAPackage("io.sightline.domain..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "ai.onnxruntime..", "org.bytedeco..")
                .because("the domain must run anywhere, including tests and the edge, without Spring or native code")
                .check(classes);
    }

    @Test
    void edgeModulesNeverUseTheCloudApi() {
        noClasses().that().resideInAnyPackage("io.sightline.edge..", "io.sightline.inference..", "io.sightline.uplink..",
                        "io.sightline.runtime..")
                .should().dependOnClassesThat().resideInAPackage("io.sightline.cloud..")
                .because("the edge runs on the vehicle and talks to the cloud only through events")
                .check(classes);
    }

    @Test
    void theVehicleNeverCarriesTheEvaluation() {
        noClasses().that().resideInAnyPackage("io.sightline.edge..", "io.sightline.inference..", "io.sightline.uplink..",
                        "io.sightline.runtime..", "io.sightline.domain..")
                .should().dependOnClassesThat().resideInAPackage("io.sightline.eval..")
                .because("the evaluation (statistics, reports, charting) runs off the vehicle and builds on the edge, not the"
                        + " other way round (ADR-0019)")
                .check(classes);
    }

    @Test
    void theEvaluationStaysOffTheCloud() {
        noClasses().that().resideInAPackage("io.sightline.eval..")
                .should().dependOnClassesThat().resideInAnyPackage("io.sightline.cloud..", "io.sightline.app..",
                        "org.springframework..", "org.axonframework..")
                .because("evaluate runs the edge's own code over simulated scenarios in a plain JVM (ADR-0019)")
                .check(classes);
    }

    @Test
    void internalPackagesStayInsideTheirModule() {
        for (String root : MODULE_ROOTS) {
            noClasses().that().resideOutsideOfPackage(root + "..")
                    .should().dependOnClassesThat().resideInAPackage(root + "..internal..")
                    .because(root + "'s internal packages are its own")
                    .allowEmptyShould(true)
                    .check(classes);
        }
    }

    @Test
    void benchmarksAndSampleDataStayOutOfTheModulesJars() {
        noClasses().that().resideInAnyPackage("io.sightline.domain..", "io.sightline.inference..", "io.sightline.edge..",
                        "io.sightline.uplink..", "io.sightline.runtime..", "io.sightline.explain..", "io.sightline.cloud..",
                        "io.sightline.eval..")
                .should().resideInAnyPackage("..bench..", "..sample..")
                .because("benchmark harnesses and synthetic data belong in test sources (shared through a test-jar) or in app,"
                        + " which holds the benchmarks; a vehicle's or the cloud's jar ships neither (issue 14)")
                .check(classes);
    }

    @Test
    void theImportSeesEveryModule() {
        // Guards the rules above against passing vacuously on an empty import.
        for (String root : MODULE_ROOTS) {
            org.assertj.core.api.Assertions.assertThat(classes.stream().anyMatch(c -> c.getPackageName().startsWith(root)))
                    .as("classes imported from %s", root).isTrue();
        }
    }
}
