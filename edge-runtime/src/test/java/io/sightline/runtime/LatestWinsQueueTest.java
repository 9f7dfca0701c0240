package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.FramesDropped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The hand-over between stages: bounded, latest-wins under overload, every drop counted and reported. */
class LatestWinsQueueTest {

    @Test
    void aFullQueueDropsTheOldestAndReportsExactlyWhatItDropped() throws Exception {
        DropLedger ledger = new DropLedger("detect", "test");
        LatestWinsQueue<Long> q = new LatestWinsQueue<>(2, LatestWinsQueue.Overflow.DROP_OLDEST, ledger::record);
        for (long i = 0; i < 10; i++) {
            assertThat(q.put(i)).isTrue();
        }
        q.close();
        assertThat(q.take()).isEqualTo(8L);
        assertThat(q.take()).isEqualTo(9L);
        assertThat(q.take()).as("closed and drained").isNull();
        assertThat(q.dropped()).isEqualTo(8);
        assertThat(q.maxDepth()).isEqualTo(2);
        FramesDropped report = ledger.drain(123L);
        assertThat(report.droppedCount()).isEqualTo(8);
        assertThat(report.firstFrameIndex()).isZero();
        assertThat(report.lastFrameIndex()).isEqualTo(7);
        assertThat(report.stage()).isEqualTo("detect");
        assertThat(ledger.drain(124L)).as("a drop is reported once").isNull();
        assertThat(ledger.total()).isEqualTo(8);
    }

    /**
     * A synthetic source far faster than a deliberately slow stage: whatever the interleaving,
     * every frame is either processed or dropped, never both, never neither; the FramesDropped
     * reports add up to the drops; the consumer sees frames in order; the queue never exceeds its
     * capacity.
     */
    @Test
    void aFastSourceIntoASlowStageLosesNoFrameSilently() throws Exception {
        int frames = 400;
        DropLedger ledger = new DropLedger("detect", "test");
        LatestWinsQueue<Long> q = new LatestWinsQueue<>(1, LatestWinsQueue.Overflow.DROP_OLDEST, ledger::record);
        List<Long> processed = new ArrayList<>();
        List<FramesDropped> reports = new ArrayList<>();
        Thread slowStage = new Thread(() -> {
            try {
                for (Long f; (f = q.take()) != null; ) {
                    FramesDropped r = ledger.drain(0);
                    if (r != null) {
                        reports.add(r);
                    }
                    processed.add(f);
                    Thread.sleep(1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        slowStage.start();
        for (long i = 0; i < frames; i++) {
            q.put(i);
        }
        q.close();
        slowStage.join();
        FramesDropped tail = ledger.drain(0);
        if (tail != null) {
            reports.add(tail);
        }

        long reported = reports.stream().mapToLong(FramesDropped::droppedCount).sum();
        assertThat(q.dropped()).as("a 1 ms stage cannot keep up with a loop of puts").isPositive();
        assertThat(processed.size() + q.dropped()).isEqualTo(frames);
        assertThat(reported).isEqualTo(q.dropped()).isEqualTo(ledger.total());
        assertThat(processed).isSorted().doesNotHaveDuplicates();
        assertThat(processed.get(processed.size() - 1)).as("the newest frame always wins").isEqualTo(frames - 1L);
        assertThat(q.maxDepth()).isEqualTo(1);
        // Each report covers exactly the frames missing between two processed ones.
        long droppedInGaps = 0;
        for (int i = 1; i < processed.size(); i++) {
            droppedInGaps += processed.get(i) - processed.get(i - 1) - 1;
        }
        droppedInGaps += processed.get(0);
        assertThat(droppedInGaps).isEqualTo(q.dropped());
    }

    @Test
    void blockingModeNeverDropsAndHoldsTheProducerAtCapacity() throws Exception {
        LatestWinsQueue<Long> q = new LatestWinsQueue<>(3, LatestWinsQueue.Overflow.BLOCK, f -> {
            throw new AssertionError("dropped " + f);
        });
        AtomicLong consumed = new AtomicLong();
        Thread consumer = new Thread(() -> {
            try {
                for (Long f; (f = q.take()) != null; ) {
                    assertThat(f).isEqualTo(consumed.getAndIncrement());
                    Thread.sleep(1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        consumer.start();
        for (long i = 0; i < 50; i++) {
            q.put(i);
        }
        q.close();
        consumer.join();
        assertThat(consumed.get()).isEqualTo(50);
        assertThat(q.dropped()).isZero();
        assertThat(q.maxDepth()).isLessThanOrEqualTo(3);
    }

    @Test
    void cancellingReleasesABlockedProducerAndHandsBackWhatWasQueued() throws Exception {
        LatestWinsQueue<Long> q = new LatestWinsQueue<>(1, LatestWinsQueue.Overflow.BLOCK, f -> { });
        q.put(1L);
        Thread producer = new Thread(() -> {
            try {
                assertThat(q.put(2L)).as("refused after cancel").isFalse();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        List<Long> discarded = new ArrayList<>();
        while (producer.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        q.cancel(discarded::add);
        producer.join();
        assertThat(discarded).containsExactly(1L);
        assertThat(q.take()).isNull();
    }

    /** The waits bench-pipeline prints: a consumer with nothing to take, a producer with no room, and neither when both flow. */
    @Test
    void waitsAreCountedOnTheSideThatWaitedAndOnlyWhileItWaited() throws Exception {
        LatestWinsQueue<Long> q = new LatestWinsQueue<>(1, LatestWinsQueue.Overflow.BLOCK, x -> { });
        q.put(1L);
        assertThat(q.take()).isEqualTo(1L);
        assertThat(q.putWaitNanos()).as("room was there").isZero();
        assertThat(q.takeWaitNanos()).as("an item was there").isZero();

        Thread lateProducer = new Thread(() -> {
            try {
                Thread.sleep(200);
                q.put(2L);
                q.put(3L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        lateProducer.start();
        assertThat(q.take()).isEqualTo(2L);
        assertThat(q.takeWaitNanos()).as("the consumer waited for the late producer").isGreaterThanOrEqualTo(150_000_000L);
        // The producer now waits for room behind item 3 until the consumer comes back.
        Thread.sleep(50);
        long takeWaited = q.takeWaitNanos();
        Thread.sleep(200);
        Thread extra = new Thread(() -> {
            try {
                q.put(4L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        extra.start();
        Thread.sleep(200);
        assertThat(q.take()).isEqualTo(3L);
        extra.join(5_000);
        lateProducer.join(5_000);
        assertThat(q.putWaitNanos()).as("the blocked put of item 4").isGreaterThanOrEqualTo(150_000_000L);
        assertThat(q.takeWaitNanos()).as("no take waited since").isEqualTo(takeWaited);
    }

    @Test
    void aDropOldestProducerNeverWaits() throws Exception {
        LatestWinsQueue<Long> q = new LatestWinsQueue<>(1, LatestWinsQueue.Overflow.DROP_OLDEST, x -> { });
        for (long i = 0; i < 100; i++) {
            q.put(i);
        }
        assertThat(q.putWaitNanos()).isZero();
        assertThat(q.dropped()).isEqualTo(99);
    }
}
