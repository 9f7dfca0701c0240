package io.sightline.cloud.config;

import org.springframework.boot.autoconfigure.AutoConfiguration;

/**
 * Empty on purpose: it only orders auto-configurations (ADR-0001).
 *
 * <p>Axon 4.13 orders its JDBC and transaction auto-configurations after Boot 3's class names,
 * which no longer exist on Boot 4. Without this bridge Axon runs before the DataSource and the
 * Spring transaction manager exist and silently falls back to {@code NoTransactionManager}, so
 * event appends, tokens and projections would run outside Spring transactions.
 */
@AutoConfiguration(
        afterName = {
                "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
                "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
                "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration"},
        beforeName = {
                "org.axonframework.springboot.autoconfig.JdbcAutoConfiguration",
                "org.axonframework.springboot.autoconfig.TransactionAutoConfiguration",
                "org.axonframework.springboot.autoconfig.AxonAutoConfiguration"})
public class AxonBoot4OrderingAutoConfiguration {
}
