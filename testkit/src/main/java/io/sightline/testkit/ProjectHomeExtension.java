package io.sightline.testkit;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Points the project home ({@code -Dsightline.home}, read by inference-adapters' {@code ProjectHome})
 * at the repository root for one test class and restores it after: Surefire runs in a module's
 * folder, while {@code models/} and {@code samples/} are one level up.
 * Runs before the class's own {@code @BeforeAll} and after its {@code @AfterAll}, so a cloud
 * started there already sees the home.
 */
public final class ProjectHomeExtension implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ProjectHomeExtension.class);
    /** Stored as "" when the property was unset: the store holds no nulls. */
    private static final String PREVIOUS = "previous";
    /** {@code ProjectHome.PROPERTY}; spelled here so that the testkit needs no edge module. */
    static final String PROPERTY = "sightline.home";

    @Override
    public void beforeAll(ExtensionContext context) {
        String previous = System.getProperty(PROPERTY);
        context.getStore(NAMESPACE).put(PREVIOUS, previous == null ? "" : previous);
        String projectDir = System.getProperty("sightline.project.dir");
        System.setProperty(PROPERTY, projectDir != null ? projectDir : Path.of("..").toAbsolutePath().normalize().toString());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        String previous = context.getStore(NAMESPACE).remove(PREVIOUS, String.class);
        if (previous == null || previous.isEmpty()) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, previous);
        }
    }
}
