package io.sightline.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class its own fresh {@link TestPostgres.Database}, dropped when the class is done.
 * Resolution follows {@link TestPostgres}: env var, then Testcontainers, then embedded; a test
 * never skips for lack of a server, it fails.
 */
public class PostgresExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PostgresExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == TestPostgres.Database.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
            throws ParameterResolutionException {
        ExtensionContext classContext = extensionContext.getRoot() == extensionContext ? extensionContext
                : findClassContext(extensionContext);
        return classContext.getStore(NS).getOrComputeIfAbsent("database",
                key -> new DroppedOnClose(TestPostgres.freshDatabase(classContext.getRequiredTestClass().getSimpleName())),
                DroppedOnClose.class).database();
    }

    private static ExtensionContext findClassContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    private record DroppedOnClose(TestPostgres.Database database) implements AutoCloseable {
        @Override
        public void close() {
            TestPostgres.drop(database);
        }
    }
}
