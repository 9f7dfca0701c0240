package io.sightline.runtime;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vehicle's process carries nothing of the cloud. The edge runtime and the modules it is built
 * from (inference-adapters, edge-projector, edge-uplink) use no Spring, Axon, PostgreSQL or cloud
 * class; of the domain they use the events and the wire format, whose only Axon trace is the
 * {@code @Revision} annotation (absent from the edge jar, which the JVM allows), never the
 * aggregates and upcasters that need Axon. This module's own tests run with Axon excluded, so the
 * pipeline is exercised without it; {@code EdgeJarTest} in app checks the jar that ships.
 */
class ArchitectureTest {

    private static final String[] EDGE = {"io.sightline.runtime..", "io.sightline.inference..", "io.sightline.edge..",
            "io.sightline.uplink.."};
    private static final String[] CLOUD_ONLY_DOMAIN = {"io.sightline.domain.session..", "io.sightline.domain.review..",
            "io.sightline.domain.evaluation..", "io.sightline.domain.monitoring..", "io.sightline.domain.registry..", "io.sightline.domain.rollout..",
            "io.sightline.domain.upcasting..", "io.sightline.domain.apps.."};
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.sightline.runtime", "io.sightline.domain", "io.sightline.inference", "io.sightline.edge",
                        "io.sightline.uplink");
    }

    @Test
    void theEdgeUsesNoSpringAxonPostgresqlOrCloudClass() {
        noClasses().that().resideInAnyPackage(EDGE)
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.axonframework..",
                        "org.postgresql..", "io.zonky..", "org.flywaydb..", "io.sightline.cloud..", "io.sightline.app..",
                        "io.sightline.explain..")
                .because("a vehicle runs the edge runtime alone: Spring, Axon and PostgreSQL are the cloud's (issue 14 §2)")
                .check(classes);
    }

    @Test
    void theEdgeNeverTouchesTheDomainsAxonParts() {
        noClasses().that().resideInAnyPackage(EDGE)
                .should().dependOnClassesThat().resideInAnyPackage(CLOUD_ONLY_DOMAIN)
                .because("the domain's aggregates and upcasters need Axon, which the edge jar does not carry")
                .check(classes);
    }

    @Test
    void theDomainPartsTheEdgeUsesNeedOfAxonOnlyTheRevisionAnnotation() {
        noClasses().that().resideInAPackage("io.sightline.domain..").and().resideOutsideOfPackages(CLOUD_ONLY_DOMAIN)
                .should().dependOnClassesThat(resideInAPackage("org.axonframework..")
                        .and(not(name("org.axonframework.serialization.Revision"))))
                .because("an annotation whose class is missing is ignored by the JVM; any other Axon class would fail on the edge")
                .check(classes);
        noClasses().that().resideInAPackage("io.sightline.domain..")
                .should().dependOnClassesThat(resideInAnyPackage("org.springframework..", "org.postgresql.."))
                .check(classes);
    }

    @Test
    void theImportSeesTheRuntimeAndItsModules() {
        for (String root : new String[] {"io.sightline.runtime", "io.sightline.domain", "io.sightline.inference",
                "io.sightline.edge", "io.sightline.uplink"}) {
            assertThat(classes.stream().anyMatch(c -> c.getPackageName().startsWith(root))).as("classes from %s", root).isTrue();
        }
    }
}
