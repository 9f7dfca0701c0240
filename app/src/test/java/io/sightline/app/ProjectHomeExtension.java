package io.sightline.app;

import io.sightline.inference.ProjectHome;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Points {@link ProjectHome} at the repository root for one test class and restores it after:
 * Surefire runs in {@code app/}, while {@code models/} and {@code samples/} are one level up.
 * Runs before the class's own {@code @BeforeAll} and after its {@code @AfterAll}, so a cloud
 * started there already sees the home.
 */
public final class ProjectHomeExtension implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ProjectHomeExtension.class);
    /** Stored as "" when the property was unset: the store holds no nulls. */
    private static final String PREVIOUS = "previous";

    @Override
    public void beforeAll(ExtensionContext context) {
        String previous = System.getProperty(ProjectHome.PROPERTY);
        context.getStore(NAMESPACE).put(PREVIOUS, previous == null ? "" : previous);
        System.setProperty(ProjectHome.PROPERTY, Path.of("..").toAbsolutePath().normalize().toString());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        String previous = context.getStore(NAMESPACE).remove(PREVIOUS, String.class);
        if (previous == null || previous.isEmpty()) {
            System.clearProperty(ProjectHome.PROPERTY);
        } else {
            System.setProperty(ProjectHome.PROPERTY, previous);
        }
    }
}
