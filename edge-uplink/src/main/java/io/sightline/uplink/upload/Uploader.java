package io.sightline.uplink.upload;

import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.journal.JournalException;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.SignedBatch;
import io.sightline.uplink.transport.TransportException;
import io.sightline.uplink.transport.UplinkReply;
import io.sightline.uplink.transport.UplinkTransport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every session's unacknowledged events from the journal, one signed batch at a time, from
 * the last acknowledged sequence. All state that matters is in the journal, so after a restart it
 * simply starts again from the recorded acks: a batch sent before a crash and stored by the cloud
 * comes back as a duplicate ack.
 *
 * <p>One batch in flight per journal: a session's batches must arrive in order, and the cloud
 * answers each quickly, so pipelining would buy little and cost gap round-trips.
 */
public final class Uploader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Uploader.class);

    /**
     * @param maxEventsPerBatch at most the cloud's limit (DriveSession.MAX_EVENTS_PER_BATCH, 10,000)
     * @param maxBatchBytes     wire JSON per batch; keep below the cloud's request limit
     * @param blockedRetry      how long a session the cloud refused waits before it is tried again
     *                          (a refusal for an unregistered key heals once the key is registered)
     */
    public record Settings(int maxEventsPerBatch, long maxBatchBytes, Duration initialBackoff, Duration maxBackoff,
                           Duration blockedRetry, Duration idlePoll) {
        /**
         * 2,000 events (about 0.9 MB of wire JSON) or 2 MiB per batch: against 500 / 1 MiB this cut the
         * cloud's and the uploader's CPU per event by a fifth over HTTP (`bench ingest`,
         * docs/benchmarks.md), and it stays well inside the cloud's 8 MiB request limit.
         */
        public static Settings defaults() {
            return new Settings(2_000, 2L << 20, Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofSeconds(60),
                    Duration.ofMillis(200));
        }

        public Settings withBackoff(Duration initial, Duration max) {
            return new Settings(maxEventsPerBatch, maxBatchBytes, initial, max, blockedRetry, idlePoll);
        }

        public Settings withBatch(int events, long bytes) {
            return new Settings(events, bytes, initialBackoff, maxBackoff, blockedRetry, idlePoll);
        }
    }

    /** Counters since start. */
    public record Stats(long batchesSent, long eventsAcknowledged, long duplicateEvents, long gapResends,
                        long transportFailures, long rejections) {
    }

    private final EdgeJournal journal;
    private final BatchSigner signer;
    private final UplinkTransport transport;
    private final Settings settings;
    private final Map<String, Long> blockedUntilMillis = new ConcurrentHashMap<>();
    private final AtomicLong batchesSent = new AtomicLong();
    private final AtomicLong eventsAcked = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong gapResends = new AtomicLong();
    private final AtomicLong transportFailures = new AtomicLong();
    private final AtomicLong rejections = new AtomicLong();
    private final UplinkLoop loop;

    public Uploader(EdgeJournal journal, BatchSigner signer, UplinkTransport transport, Settings settings) {
        this.journal = journal;
        this.signer = signer;
        this.transport = transport;
        this.settings = settings;
        this.loop = new UplinkLoop("uplink-" + signer.identity().deviceId(), "Uplink", LOG, settings.initialBackoff(),
                settings.maxBackoff(), settings.idlePoll(), true, this::drainOnce);
    }

    /**
     * One pass over all sessions: uploads until each is acknowledged, refused, or the transport
     * fails.
     *
     * @return true when every session that is not blocked is fully acknowledged
     * @throws TransportException on the first transport failure (the caller backs off)
     */
    public boolean drainOnce() throws TransportException {
        boolean caughtUp = true;
        long now = System.currentTimeMillis();
        for (EdgeJournal.SessionState s : journal.sessions()) {
            if (!s.hasUnacked()) {
                continue;
            }
            if (s.blockedReason() != null && blockedUntilMillis.getOrDefault(s.sessionId(), 0L) > now) {
                continue;
            }
            caughtUp &= uploadSession(s);
        }
        return caughtUp;
    }

    private boolean uploadSession(EdgeJournal.SessionState s) throws TransportException {
        String sessionId = s.sessionId();
        long cursor = s.ackedSequence();
        int stalled = 0;
        while (true) {
            List<EdgeJournal.StoredEvent> events = journal.read(sessionId, cursor, settings.maxEventsPerBatch(), settings.maxBatchBytes());
            if (events.isEmpty()) {
                EdgeJournal.SessionState now = journal.session(sessionId);
                if (cursor >= now.nextSequence()) {
                    return true;
                }
                if (cursor >= now.retainedFromSequence()) {
                    // The events were read before the session row, in two statements: an append
                    // committed in between shows in the row but not in the read. Read again.
                    if (++stalled >= 3) {
                        throw new TransportException("journal shows session " + sessionId + " up to " + now.nextSequence()
                                + " but yields no event at " + cursor + "; backing off");
                    }
                    continue;
                }
                block(sessionId, "RESEND_IMPOSSIBLE", "the cloud needs sequence " + cursor + " but the journal retains this session only from "
                        + now.retainedFromSequence() + " (retention deleted acknowledged events; the cloud may have lost data)."
                        + " Restore the cloud store or accept the loss and end the session");
                return false;
            }
            SignedBatch batch = signer.sign(sessionId, events);
            UplinkReply reply;
            try {
                reply = transport.send(batch);
            } catch (TransportException e) {
                transportFailures.incrementAndGet();
                throw e;
            }
            batchesSent.incrementAndGet();
            long before = cursor;
            try {
                cursor = apply(sessionId, batch, reply, cursor);
            } catch (SessionBlocked blocked) {
                return false;
            }
            // A cloud that keeps answering without moving the session forward would make this loop spin.
            stalled = cursor > before ? 0 : stalled + 1;
            if (stalled >= 3) {
                throw new TransportException("cloud answered batch " + sessionId + "@" + before + " three times without progress ("
                        + reply + "); backing off");
            }
        }
    }

    /** Signals that the session was blocked and its upload pass ends. */
    private static final class SessionBlocked extends RuntimeException {
        SessionBlocked() {
            super(null, null, false, false);
        }
    }

    /** Acts on one reply and returns the sequence to send from next. */
    private long apply(String sessionId, SignedBatch batch, UplinkReply reply, long cursor) throws TransportException {
        switch (reply.status()) {
            case ACKNOWLEDGED -> {
                eventsAcked.addAndGet(reply.storedCount());
                duplicates.addAndGet(reply.duplicateCount());
                return acknowledge(sessionId, reply.nextExpectedSequence(), cursor);
            }
            case GAP -> {
                gapResends.incrementAndGet();
                LOG.info("Cloud expects session {} at {} (sent {}); resending from there", sessionId, reply.nextExpectedSequence(), cursor);
                return acknowledge(sessionId, reply.nextExpectedSequence(), cursor);
            }
            case REJECTED -> {
                block(sessionId, reply.reason(), reply.detail());
                throw new SessionBlocked();
            }
            case RETRY -> {
                transportFailures.incrementAndGet();
                throw new TransportException("cloud asked to retry batch " + sessionId + "@" + batch.firstSequence() + ": "
                        + reply.reason() + " " + reply.detail());
            }
            default -> throw new IllegalStateException("unknown reply status " + reply.status());
        }
    }

    /**
     * Records what the cloud said it holds and returns where to send from next. A position below
     * the recorded ack (the cloud lost data, or a stale replica answered) only moves the cursor;
     * the journal's ack never moves back.
     */
    private long acknowledge(String sessionId, long nextExpected, long cursor) {
        if (nextExpected < 0) {
            return cursor;
        }
        try {
            journal.acknowledge(sessionId, nextExpected);
            blockedUntilMillis.remove(sessionId);
        } catch (JournalException e) {
            block(sessionId, "ACK_BEYOND_JOURNAL", e.getMessage());
            throw new SessionBlocked();
        }
        return nextExpected;
    }

    private void block(String sessionId, String reason, String detail) {
        rejections.incrementAndGet();
        String text = reason + ": " + detail;
        LOG.error("Cloud refused session {}: {}. Its unacknowledged events stay in the journal; retrying in {} s", sessionId, text,
                settings.blockedRetry().toSeconds());
        journal.block(sessionId, text);
        blockedUntilMillis.put(sessionId, System.currentTimeMillis() + settings.blockedRetry().toMillis());
    }

    /** Starts the background upload loop. */
    public void start() {
        loop.start();
    }

    /** Tells the loop new events are in the journal, so it does not wait for the next poll. */
    public void wake() {
        loop.wake();
    }

    public Stats stats() {
        return new Stats(batchesSent.get(), eventsAcked.get(), duplicates.get(), gapResends.get(), transportFailures.get(), rejections.get());
    }

    /** Stops the loop (the journal and transport belong to the caller). */
    @Override
    public void close() {
        loop.close();
    }
}
