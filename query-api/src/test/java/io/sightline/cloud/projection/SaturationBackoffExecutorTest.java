package io.sightline.cloud.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.testkit.Await;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.axonframework.common.AxonThreadFactory;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventhandling.SimpleEventHandlerInvoker;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.axonframework.eventhandling.tokenstore.inmemory.InMemoryTokenStore;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.junit.jupiter.api.Test;

class SaturationBackoffExecutorTest {

    private static final int EVENTS = 3_000;

    /**
     * Pins the Axon behaviour ADR-0014 relies on: with a work package full, the coordinator asks its
     * executor for exactly a 100 ms reschedule. If an Axon upgrade changes that delay, the executor
     * silently stops helping and this test fails, so the backoff can be revisited.
     */
    @Test
    void axonsCoordinatorAsksForTheHundredMillisecondRescheduleWhenAWorkPackageIsFull() throws Exception {
        SaturationBackoffExecutor coordinator = new SaturationBackoffExecutor(new AxonThreadFactory("Coordinator[pin]"), Duration.ofMillis(5));
        ScheduledExecutorService workers = Executors.newScheduledThreadPool(1, new AxonThreadFactory("WorkPackage[pin]"));
        EmbeddedEventStore store = EmbeddedEventStore.builder().storageEngine(new InMemoryEventStorageEngine()).build();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger handled = new AtomicInteger();
        PooledStreamingEventProcessor processor = PooledStreamingEventProcessor.builder()
                .name("pin")
                .eventHandlerInvoker(SimpleEventHandlerInvoker.builder().eventHandlers((org.axonframework.eventhandling.EventMessageHandler) event -> {
                    // Holding the first event lets the work package's queue fill to Axon's buffer size.
                    if (!release.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never released the handler");
                    }
                    handled.incrementAndGet();
                    return null;
                }).build())
                .messageSource(store)
                .tokenStore(new InMemoryTokenStore())
                .transactionManager(NoTransactionManager.INSTANCE)
                .coordinatorExecutor(coordinator)
                .workerExecutor(workers)
                .initialSegmentCount(1)
                .build();
        try {
            EventMessage<?>[] events = new EventMessage<?>[EVENTS];
            for (int i = 0; i < EVENTS; i++) {
                events[i] = GenericEventMessage.asEventMessage("event " + i);
            }
            store.publish(events);
            processor.start();

            Await.until("a reschedule while a work package is full", Duration.ofSeconds(30), () -> coordinator.saturatedReschedules() > 0,
                    () -> "");
            assertThat(coordinator.saturatedReschedules())
                    .as("Axon's coordinator no longer asks for a 100 ms reschedule when a work package is full; "
                            + "SaturationBackoffExecutor does nothing now: see ADR-0014")
                    .isPositive();

            release.countDown();
            Await.until("every event handled", Duration.ofSeconds(30), () -> handled.get() >= EVENTS, () -> "; handled " + handled.get());
            assertThat(handled.get()).as("every event handled once the handler is released").isEqualTo(EVENTS);
        } finally {
            release.countDown();
            processor.shutdownAsync().get(30, TimeUnit.SECONDS);
            coordinator.shutdownNow();
            workers.shutdownNow();
            store.shutDown();
        }
    }

    @Test
    void onlyTheSaturatedRescheduleIsShortened() {
        SaturationBackoffExecutor executor = new SaturationBackoffExecutor(new AxonThreadFactory("Coordinator[delays]"), Duration.ofMillis(5));
        try {
            ScheduledFuture<?> saturated = executor.schedule(() -> { }, 100, TimeUnit.MILLISECONDS);
            ScheduledFuture<?> sameDelayInOtherUnits = executor.schedule(() -> { }, 100_000, TimeUnit.MICROSECONDS);
            ScheduledFuture<?> idle = executor.schedule(() -> { }, 500, TimeUnit.MILLISECONDS);
            ScheduledFuture<?> claim = executor.schedule(() -> { }, 5, TimeUnit.SECONDS);

            assertThat(saturated.getDelay(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(5);
            assertThat(sameDelayInOtherUnits.getDelay(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(5);
            assertThat(idle.getDelay(TimeUnit.MILLISECONDS)).isGreaterThan(400);
            assertThat(claim.getDelay(TimeUnit.MILLISECONDS)).isGreaterThan(4_000);
            assertThat(executor.saturatedReschedules()).isEqualTo(2);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aBackoffThatWouldNotShortenThePauseIsRefused() {
        assertThatThrownBy(() -> new SaturationBackoffExecutor(new AxonThreadFactory("x"), Duration.ofMillis(100)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sightline.projections.saturated-backoff");
    }
}
