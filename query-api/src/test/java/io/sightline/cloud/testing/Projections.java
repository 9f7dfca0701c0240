package io.sightline.cloud.testing;

import io.sightline.testkit.Await;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Waiting for what the projections (and the other asynchronous parts: the outbox, the MQTT
 * subscriber) do after an append. Tests poll for the condition they need instead of sleeping, and
 * a wait that runs out says what it waited for, what it saw last, and the dead letters, which is
 * where a projection that will never catch up says why.
 */
public final class Projections {

    /** Generous: a projection catches up in well under a second; 2 shared cores under a full build may be slower. */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final ApplicationContext context;

    Projections(ApplicationContext context) {
        this.context = context;
    }

    /** Polls {@code holds} until it is true; fails after {@link #TIMEOUT}. */
    public void awaitProjection(String what, BooleanSupplier holds) {
        awaitProjection(what, holds, () -> "");
    }

    /** As {@link #awaitProjection(String, BooleanSupplier)}; a failure also shows {@code diagnostics}. */
    public void awaitProjection(String what, BooleanSupplier holds, Supplier<?> diagnostics) {
        Await.until(what, TIMEOUT, holds, () -> diagnostics.get() + deadLetters());
    }

    /** Polls {@code probe} until its value satisfies {@code holds}, and returns that value; a failure shows the last one. */
    public <T> T awaitProjection(String what, Supplier<T> probe, Predicate<? super T> holds) {
        return Await.value(what, TIMEOUT, probe, holds, this::deadLetters);
    }

    /** {@code select count(*) …}: the usual probe. */
    public long count(String sql, Object... args) {
        Long n = jdbc().queryForObject(sql, Long.class, args);
        return n == null ? 0 : n;
    }

    private String deadLetters() {
        return "; dead letters: " + jdbc().queryForList("select processing_group, cause_message from dead_letter_entry");
    }

    private JdbcTemplate jdbc() {
        return context.getBean(JdbcTemplate.class);
    }
}
