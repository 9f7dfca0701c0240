package io.sightline.cloud.testing;

import io.sightline.testkit.TestPostgres;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * The wiring behind {@link CloudIntegrationTest}: one fresh database per test class, created when
 * its context is, with the fixture's helpers registered beside it. Keyed by the test class, so no
 * two classes share a context (and so a database), as with the per-class
 * {@code @DynamicPropertySource} it replaces.
 */
final class FreshCloudDatabase implements ContextCustomizer {

    private final Class<?> testClass;

    private FreshCloudDatabase(Class<?> testClass) {
        this.testClass = testClass;
    }

    @Override
    public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration merged) {
        TestPostgres.Database db = TestPostgres.freshDatabase(testClass.getSimpleName());
        Map<String, Object> properties = new LinkedHashMap<>();
        db.springDataSource().forEach((k, v) -> properties.put(k, v.get()));
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("cloudIntegrationTestDatabase", properties));
        context.getBeanFactory().registerSingleton("cloudTestDatabase", db);
        context.getBeanFactory().registerSingleton("cloudHttp", new CloudHttp(context));
        context.getBeanFactory().registerSingleton("cloudProjections", new Projections(context));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FreshCloudDatabase other && other.testClass == testClass;
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(testClass);
    }

    static final class Factory implements ContextCustomizerFactory {

        @Override
        public ContextCustomizer createContextCustomizer(Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
            return AnnotatedElementUtils.hasAnnotation(testClass, CloudIntegrationTest.class) ? new FreshCloudDatabase(testClass) : null;
        }
    }
}
