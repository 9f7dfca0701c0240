package io.sightline.cloud.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.annotation.AliasFor;
import org.springframework.test.context.ContextCustomizerFactories;
import org.springframework.test.context.TestPropertySource;

/**
 * A cloud integration test: the whole query-api application on a fresh PostgreSQL database of its
 * own (testkit's {@link io.sightline.testkit.TestPostgres}, so the server the environment names,
 * else Testcontainers, else embedded), on a random port unless told otherwise. The context holds
 * {@link CloudHttp} (requests to that port, tokens minted for a role and fleet),
 * {@link Projections} ({@code awaitProjection}) and the {@link io.sightline.testkit.TestPostgres.Database}.
 *
 * <p>The embedded PostgreSQL of the default configuration stays off: the datasource arrives after
 * Spring Boot's environment post-processing, which would otherwise start it (and lock
 * {@code .sightline}) only to have it ignored.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@SpringBootTest
@TestPropertySource(properties = "sightline.embedded-postgres.enabled=false")
@ContextCustomizerFactories(FreshCloudDatabase.Factory.class)
public @interface CloudIntegrationTest {

    /** Further properties, as {@link SpringBootTest#properties()}. */
    @AliasFor(annotation = SpringBootTest.class, attribute = "properties")
    String[] properties() default {};

    @AliasFor(annotation = SpringBootTest.class, attribute = "webEnvironment")
    SpringBootTest.WebEnvironment webEnvironment() default SpringBootTest.WebEnvironment.RANDOM_PORT;
}
