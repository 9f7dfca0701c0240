package io.sightline.inference;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

class ArchitectureTest {
    private static final class OrtDetectorName {
        static final String NAME = "io.sightline.inference.internal.OrtDetector";
    }

    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.sightline.inference");

    /** ImageIO applies embedded ICC profiles (scores move by up to 0.16) and AWT scaling is not OpenCV's. */
    @Test
    void noImageIoOrAwtImaging() {
        org.assertj.core.api.Assertions.assertThat(classes.contain(OrtDetectorName.NAME)).as("import is not empty").isTrue();
        noClasses().should().dependOnClassesThat().resideInAnyPackage("javax.imageio..", "java.awt..")
                .because("images are decoded and resized with OpenCV (see shared/data/README.md pitfalls)")
                .check(classes);
    }

    @Test
    void coreDoesNotDependOnTheCli() {
        noClasses().that().resideOutsideOfPackage("io.sightline.inference.cli..")
                .should().dependOnClassesThat().resideInAPackage("io.sightline.inference.cli..")
                .check(classes);
    }
}
