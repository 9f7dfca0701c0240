package io.sightline.uplink.upload;

import io.sightline.domain.ingest.EventCodec;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.tier.TierSelector;
import io.sightline.uplink.tier.UploadTiers;
import io.sightline.uplink.transport.WindowAnswer;
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

    /** Events and wire bytes sent per upload tier ("GAP" for declared gaps), since start. */
    public record TierCount(long events, long bytes) {
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
    /** Null: upload every event, as before upload tiers. */
    private final UploadTiers tiers;
    private final WindowAnswer.Sink answers;
    private final EventCodec codec = new EventCodec();
    private final Map<String, long[]> tierCounts = new ConcurrentHashMap<>();
    private final Map<String, Long> sessionStarts = new ConcurrentHashMap<>();
    /** Per session, the state of the last tiered pass that decided nothing. */
    private final Map<String, Idle> idle = new ConcurrentHashMap<>();
    static final long REPLAN_AFTER_NANOS = 1_000_000_000L;

    private record Idle(long cursor, long headNanos, String windows) {
    }

    public Uploader(EdgeJournal journal, BatchSigner signer, UplinkTransport transport, Settings settings) {
        this(journal, signer, transport, settings, null, WindowAnswer.Sink.NONE);
    }

    /**
     * @param tiers   what to upload (ADR-0027), or null for every event; the journal should be opened with
     *                {@link UploadTiers#opensWindow} as its window trigger so near misses keep their windows
     * @param answers where answers to the cloud's window requests go
     */
    public Uploader(EdgeJournal journal, BatchSigner signer, UplinkTransport transport, Settings settings, UploadTiers tiers,
                    WindowAnswer.Sink answers) {
        this.journal = journal;
        this.signer = signer;
        this.transport = transport;
        this.settings = settings;
        this.tiers = tiers;
        this.answers = answers;
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
            caughtUp &= tiers == null ? uploadSession(s) : uploadTiered(s);
        }
        answerWindowRequests();
        return caughtUp;
    }

    /**
     * Uploads the decided part of a session by tier: chosen events as they are, the rest as declared
     * gaps, each batch at most the batch limits of chosen events.
     */
    private boolean uploadTiered(EdgeJournal.SessionState s) throws TransportException {
        String sessionId = s.sessionId();
        long cursor = s.ackedSequence();
        EdgeJournal.SessionHead head = journal.head(sessionId);
        List<EdgeJournal.SessionState> all = journal.sessions();
        // A session that is not the newest will get no more events, even if its DriveSessionEnded was lost in a crash.
        boolean complete = head.ended() || !all.get(all.size() - 1).sessionId().equals(sessionId);
        // Sample windows count from the session's start; remembered, since retention may delete the event that says it.
        long start = sessionStarts.computeIfAbsent(sessionId, journal::startNanos);
        if (start == Long.MIN_VALUE) {
            sessionStarts.remove(sessionId);
        }
        List<long[]> safety = journal.windows(sessionId);
        List<long[]> asked = new java.util.ArrayList<>();
        for (EdgeJournal.WindowRequest r : journal.windowRequests()) {
            if (r.sessionId().equals(sessionId)) {
                asked.add(new long[] {r.fromNanos(), r.toNanos()});
            }
        }
        TierSelector.Windows windows = nanos -> covers(safety, nanos) ? TierSelector.Tier.SAFETY
                : covers(asked, nanos) ? TierSelector.Tier.ON_DEMAND : null;
        // Planning re-reads the undecided tail (30 s and the current sample window); after a pass that decided nothing,
        // wait for a new window or another second of driving before reading it again, rather than on every frame.
        String windowState = safety.size() + ":" + (safety.isEmpty() ? 0 : safety.get(safety.size() - 1)[1]) + ":" + asked.size();
        Idle last = idle.get(sessionId);
        if (!complete && last != null && last.cursor() == cursor && last.windows().equals(windowState)
                && head.newestNanos() - last.headNanos() < REPLAN_AFTER_NANOS) {
            return true;
        }
        idle.remove(sessionId);
        int stalled = 0;
        while (true) {
            TierSelector selector = new TierSelector(tiers, sessionId, start == Long.MIN_VALUE ? 0 : start, windows, head.newestNanos(),
                    complete);
            long readFrom = cursor;
            long bytes = 0;
            int counted = 0;
            boolean exhausted = false;
            fill:
            while (true) {
                List<EdgeJournal.StoredEvent> chunk = journal.read(sessionId, readFrom, settings.maxEventsPerBatch(), settings.maxBatchBytes());
                if (chunk.isEmpty()) {
                    EdgeJournal.SessionState now = journal.session(sessionId);
                    if (readFrom >= now.nextSequence()) {
                        exhausted = true;
                    } else if (readFrom < now.retainedFromSequence()) {
                        block(sessionId, "RESEND_IMPOSSIBLE", "the cloud needs sequence " + readFrom + " but the journal retains this session only from "
                                + now.retainedFromSequence() + ". Restore the cloud store or accept the loss and end the session");
                        return false;
                    }
                    break;
                }
                for (EdgeJournal.StoredEvent e : chunk) {
                    if (!selector.offer(e)) {
                        break fill;
                    }
                    readFrom = e.sequence() + 1;
                    List<TierSelector.Item> items = selector.items();
                    for (; counted < items.size(); counted++) {
                        TierSelector.Item item = items.get(counted);
                        bytes += item.isGap() ? 0 : item.event().wireJson().length();
                    }
                    if (items.size() >= settings.maxEventsPerBatch() || bytes >= settings.maxBatchBytes()) {
                        break fill;
                    }
                }
            }
            if (exhausted && complete && journal.session(sessionId).nextSequence() <= readFrom) {
                selector.endOfSession();
            }
            List<TierSelector.Item> items = selector.items();
            if (items.isEmpty()) {
                // Nothing decided yet: the newest 30 s wait until no later alert can claim them.
                idle.put(sessionId, new Idle(cursor, head.newestNanos(), windowState));
                return !journal.session(sessionId).hasUnacked() || !complete;
            }
            List<EdgeJournal.StoredEvent> batchEvents = new java.util.ArrayList<>(items.size());
            for (TierSelector.Item item : items) {
                batchEvents.add(item.isGap() ? TierSelector.wire(sessionId, item.gap(), codec) : item.event());
            }
            SignedBatch batch = signer.sign(sessionId, batchEvents);
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
            if (reply.status() == UplinkReply.Status.ACKNOWLEDGED) {
                for (int i = 0; i < items.size(); i++) {
                    TierSelector.Item item = items.get(i);
                    long[] c = tierCounts.computeIfAbsent(item.isGap() ? "GAP" : item.tier().name(), k -> new long[2]);
                    synchronized (c) {
                        c[0] += item.isGap() ? item.gap().eventCount() : 1;
                        c[1] += batchEvents.get(i).wireJson().length();
                    }
                }
            }
            stalled = cursor > before ? 0 : stalled + 1;
            if (stalled >= 3) {
                throw new TransportException("cloud answered batch " + sessionId + "@" + before + " three times without progress ("
                        + reply + "); backing off");
            }
        }
    }

    private static boolean covers(List<long[]> sortedWindows, long nanos) {
        int lo = 0;
        int hi = sortedWindows.size() - 1;
        // Windows are sorted by start and merged when they overlap, so the last one starting at or before nanos decides.
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (sortedWindows.get(mid)[0] <= nanos) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        for (int i = hi; i >= 0 && i >= hi - 1; i--) {
            long[] w = sortedWindows.get(i);
            if (nanos >= w[0] && nanos <= w[1]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Answers the cloud's window requests: uploads the journal's events of each window that the
     * live upload has passed (the cloud stores those inside declared gaps and acknowledges the rest
     * as duplicates), or answers GONE when retention deleted them. A window the live upload has not
     * reached yet waits: the live upload sends it in full, as an on-demand window.
     */
    private void answerWindowRequests() throws TransportException {
        answers.keepListening();
        for (EdgeJournal.WindowRequest r : journal.windowRequests()) {
            EdgeJournal.SessionState s = journal.sessions().stream().filter(x -> x.sessionId().equals(r.sessionId())).findFirst().orElse(null);
            if (s == null) {
                answer(new WindowAnswer(r.requestId(), r.sessionId(), WindowAnswer.GONE, 0, -1, -1,
                        "this vehicle's journal holds no session " + r.sessionId() + " (never recorded here, or retention deleted it)"));
                continue;
            }
            List<EdgeJournal.StoredEvent> pending = journal.readWindow(r.sessionId(), r.fromNanos(), r.toNanos(), Long.MAX_VALUE);
            if (!pending.isEmpty() && pending.get(pending.size() - 1).sequence() >= s.ackedSequence()) {
                continue;
            }
            if (pending.isEmpty()) {
                answer(new WindowAnswer(r.requestId(), r.sessionId(), WindowAnswer.GONE, 0, -1, -1,
                        "the journal no longer holds events of session " + r.sessionId() + " between " + r.fromNanos() + " and "
                                + r.toNanos() + " ns: retention deleted them (it keeps alert windows longest)"));
                continue;
            }
            long sent = 0;
            String failure = null;
            for (int from = 0; from < pending.size() && failure == null; from += settings.maxEventsPerBatch()) {
                List<EdgeJournal.StoredEvent> chunk = pending.subList(from, Math.min(pending.size(), from + settings.maxEventsPerBatch()));
                UplinkReply reply;
                try {
                    reply = transport.send(signer.sign(r.sessionId(), chunk));
                } catch (TransportException e) {
                    transportFailures.incrementAndGet();
                    throw e;
                }
                batchesSent.incrementAndGet();
                if (reply.status() == UplinkReply.Status.ACKNOWLEDGED) {
                    sent += reply.storedCount();
                    long[] c = tierCounts.computeIfAbsent(TierSelector.Tier.ON_DEMAND.name(), k -> new long[2]);
                    synchronized (c) {
                        c[0] += reply.storedCount();
                        c[1] += chunk.stream().mapToLong(e -> e.wireJson().length()).sum();
                    }
                } else if (reply.status() == UplinkReply.Status.RETRY) {
                    throw new TransportException("cloud asked to retry window " + r.requestId() + ": " + reply.detail());
                } else {
                    failure = reply.reason() + ": " + reply.detail();
                }
            }
            answer(new WindowAnswer(r.requestId(), r.sessionId(), failure == null ? WindowAnswer.UPLOADED : WindowAnswer.FAILED, sent,
                    pending.get(0).sequence(), pending.get(pending.size() - 1).sequence(), failure));
        }
    }

    private void answer(WindowAnswer a) throws TransportException {
        answers.answer(a);
        journal.windowRequestAnswered(a.requestId());
        LOG.info("Window request {} of session {}: {} ({} events){}", a.requestId(), a.sessionId(), a.status(), a.uploadedEvents(),
                a.detail() == null ? "" : " " + a.detail());
    }

    /** Records a window the cloud asked for and wakes the loop; the next pass uploads or answers it. */
    public void requestWindow(WindowAnswer.Request r) {
        if (r.requestId().isBlank() || r.sessionId().isBlank()) {
            LOG.warn("Ignoring a window request without a request or session id: {}", r);
            return;
        }
        journal.requestWindow(new EdgeJournal.WindowRequest(r.requestId(), r.sessionId(), r.fromNanos(), r.toNanos()));
        wake();
    }

    /** Events and wire bytes per tier sent so far (empty without tiers). */
    public Map<String, TierCount> tierCounts() {
        Map<String, TierCount> out = new java.util.TreeMap<>();
        tierCounts.forEach((k, c) -> {
            synchronized (c) {
                out.put(k, new TierCount(c[0], c[1]));
            }
        });
        return out;
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
