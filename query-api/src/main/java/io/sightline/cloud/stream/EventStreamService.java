package io.sightline.cloud.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.config.StreamProperties;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.ingest.EventCodec;
import java.io.IOException;
import java.util.Collections;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.annotation.PreDestroy;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Live event streams for safety apps, over Server-Sent Events.
 *
 * <p>Each subscriber reads its own Axon event stream. Axon's embedded event store serves readers
 * near the head from one shared cache and lets a reader that falls behind fetch privately, so a
 * slow subscriber never slows the others or ingestion. Each subscriber has a bounded buffer of
 * {@code bufferEvents}; when an event has waited in it longer than {@code maxDelayMillis}, the
 * client reads slower than events arrive: it is sent a {@code resume} event with the last id it
 * received and closed, and it reconnects with {@code Last-Event-ID} to continue with no gap
 * and no repeat. The SSE {@code id} is the event's global index.
 */
@Service
public class EventStreamService implements org.springframework.context.SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(EventStreamService.class);

    private final EventStore eventStore;
    private final SessionDirectory sessions;
    private final ObjectMapper mapper = new EventCodec().mapper();
    private final ExecutorService senders;
    private final int bufferEvents;
    private final long maxDelayNanos;
    private final int maxSubscribers;
    private final long heartbeatNanos;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong resumeNotices = new AtomicLong();
    private final java.util.Set<Subscriber> subscribers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * Recent events' SSE text by global index (slot = index mod size): streams near the head share
     * it instead of each serialising the same event; a stream far behind just writes its own.
     * Lock-free, so a slow stream never holds up another.
     */
    static final int JSON_CACHE_SLOTS = 4096;
    private final java.util.concurrent.atomic.AtomicReferenceArray<CachedJson> jsonCache =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(JSON_CACHE_SLOTS);

    private record CachedJson(long index, String json) {
    }
    private volatile boolean running;

    public EventStreamService(EventStore eventStore, SessionDirectory sessions,
            StreamProperties properties) {
        this.eventStore = eventStore;
        this.sessions = sessions;
        this.bufferEvents = properties.bufferEvents();
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(properties.maxDelayMillis());
        this.maxSubscribers = properties.maxSubscribers();
        this.heartbeatNanos = TimeUnit.SECONDS.toNanos(properties.heartbeatSeconds());
        AtomicInteger n = new AtomicInteger();
        this.senders = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "sse-subscriber-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens a stream after {@code lastEventId} (exclusive), or at the head when {@code null}. Its first bytes are sent
     * on the calling request thread; {@code startWriter} is handed the writer, which sends everything after them, to
     * run on this service's threads once the request thread is done with the request ({@link StreamWriterStart}).
     */
    public SseEmitter subscribe(StreamFilter filter, Long lastEventId, java.util.function.Consumer<Runnable> startWriter) {
        if (active.get() >= maxSubscribers) {
            throw new io.sightline.cloud.api.TooManySubscribersException("too many stream subscribers (" + maxSubscribers + "); retry in a few seconds");
        }
        SseEmitter emitter = new SseEmitter(0L);
        TrackingToken start = lastEventId == null ? eventStore.createHeadToken()
                : GapAwareTrackingToken.newInstance(lastEventId, Collections.emptySet());
        Subscriber s = new Subscriber(filter, emitter, start, lastEventId == null ? -1 : lastEventId);
        emitter.onCompletion(s::endedByContainer);
        emitter.onTimeout(s::endedByContainer);
        emitter.onError(e -> s.endedByContainer());
        subscribers.add(s);
        active.incrementAndGet();
        try {
            // A comment first, so the client sees the stream open even when nothing matches yet. Sent before the
            // controller returns, Spring holds it and writes it on this request thread when it sets the stream up.
            emitter.send(SseEmitter.event().comment("sightline stream open"));
        } catch (IOException | RuntimeException e) {
            subscribers.remove(s);
            active.decrementAndGet();
            throw new IllegalStateException("could not open the stream: " + e.getMessage(), e);
        }
        senders.execute(s::read);
        startWriter.accept(() -> senders.execute(s::write));
        return emitter;
    }

    public int activeSubscribers() {
        return active.get();
    }

    public long resumeNotices() {
        return resumeNotices.get();
    }

    @PreDestroy
    void shutdown() {
        senders.shutdownNow();
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * Ends every stream before the store goes: the readers follow the event store on their own
     * threads, and left running they would fail against a database that a later lifecycle phase
     * (the embedded PostgreSQL, the connection pool) has already closed. Clients reconnect with
     * {@code Last-Event-ID} to another replica or after the restart.
     */
    @Override
    public void stop() {
        running = false;
        for (Subscriber s : subscribers) {
            s.stop();
            s.complete();
        }
        senders.shutdownNow();
        try {
            senders.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stopped before the web server and the processors: the first thing to go on shutdown. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100;
    }

    /** One SSE event ready to send: built by the reader, written by the writer. */
    private record Outgoing(long index, String type, String json, long enqueuedNanos) {
    }

    /**
     * A subscriber is two tasks around a bounded buffer. The reader follows the event store and
     * fills the buffer, held back while it is full; the writer sends to the client. When the oldest
     * buffered event has waited too long, the client is not keeping up: the writer sends a
     * {@code resume} event naming the last id it sent and closes. A burst or a catch-up from an old
     * id only fills the buffer briefly, so it does not trip the limit.
     */
    private final class Subscriber {
        private final StreamFilter filter;
        private final SseEmitter emitter;
        private final TrackingToken start;
        private final java.util.concurrent.ArrayBlockingQueue<Outgoing> buffer;
        private volatile boolean stopped;
        /** The container completed, timed out or failed the request: it is no longer ours to end. */
        private volatile boolean containerEnded;
        private volatile boolean readerDone;
        private volatile boolean behind;
        private long lastSentIndex;

        Subscriber(StreamFilter filter, SseEmitter emitter, TrackingToken start, long lastSentIndex) {
            this.filter = filter;
            this.emitter = emitter;
            this.start = start;
            this.lastSentIndex = lastSentIndex;
            this.buffer = new java.util.concurrent.ArrayBlockingQueue<>(bufferEvents);
        }

        void stop() {
            stopped = true;
        }

        void endedByContainer() {
            containerEnded = true;
            stopped = true;
        }

        void read() {
            try (BlockingStream<TrackedEventMessage<?>> stream = eventStore.openStream(start)) {
                while (!stopped) {
                    if (!stream.hasNextAvailable(250, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    TrackedEventMessage<?> message = stream.nextAvailable();
                    if (!(message instanceof DomainEventMessage<?> domain)) {
                        continue;
                    }
                    // The fleet and the type decide before the payload is deserialised: a stream reads
                    // every fleet's events and sends one fleet's, and most of what it reads is not sent.
                    Class<?> payloadType = message.getPayloadType();
                    if (!SightlineEvent.class.isAssignableFrom(payloadType)) {
                        continue;
                    }
                    if (payloadType == DriveSessionStarted.class) {
                        sessions.learn((DriveSessionStarted) message.getPayload());
                    }
                    String type = EventCatalog.nameOf(payloadType.asSubclass(SightlineEvent.class));
                    SessionDirectory.SessionInfo info = sessions.lookup(domain.getAggregateIdentifier());
                    if (!filter.accepts(info.fleetId(), info.vehicleId(), type)) {
                        continue;
                    }
                    if (!(message.getPayload() instanceof SightlineEvent event)) {
                        continue;
                    }
                    long index = message.trackingToken().position().orElse(-1);
                    Outgoing item = new Outgoing(index, type, sharedJson(domain, event, type, index, info), System.nanoTime());
                    // A full buffer holds the reader back (catch-up from an old id is paced by the
                    // client); the writer decides when waiting has gone on too long.
                    while (!buffer.offer(item, 250, TimeUnit.MILLISECONDS)) {
                        if (stopped) {
                            return;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                LOG.warn("stream reader failed", e);
                stopped = true;
            } finally {
                readerDone = true;
            }
        }

        void write() {
            try {
                long lastSentNanos = System.nanoTime();
                while (!stopped) {
                    Outgoing next = buffer.poll(250, TimeUnit.MILLISECONDS);
                    if (next == null && !readerDone && System.nanoTime() - lastSentNanos >= heartbeatNanos) {
                        // Keeps proxies from closing a quiet stream; a client that left fails this write and the stream ends.
                        emitter.send(SseEmitter.event().comment("keep-alive"));
                        lastSentNanos = System.nanoTime();
                        continue;
                    }
                    if (next != null) {
                        if (System.nanoTime() - next.enqueuedNanos() > maxDelayNanos) {
                            // This client reads slower than events arrive. What is buffered is
                            // dropped; the client gets it again after resuming from lastSentIndex.
                            behind = true;
                            stopped = true;
                            break;
                        }
                        emitter.send(SseEmitter.event().id(Long.toString(next.index())).name(next.type()).data(next.json()));
                        lastSentIndex = next.index();
                        lastSentNanos = System.nanoTime();
                    } else if (readerDone) {
                        break;
                    }
                }
                if (behind) {
                    resumeNotices.incrementAndGet();
                    emitter.send(SseEmitter.event().name("resume").id(Long.toString(lastSentIndex))
                            .data("{\"reason\":\"subscriber too slow\",\"lastEventId\":" + lastSentIndex
                                    + ",\"action\":\"reconnect with Last-Event-ID\"}"));
                }
                complete();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // The client went away (or the container already failed the request). The failed write told the container,
                // which fails the request and completes it on its own thread. Completing it here as well would dispatch the
                // request from this thread while the container handles the same error (ADR-0045).
                LOG.debug("stream writer ended: {}", e.getMessage());
            } catch (IllegalStateException e) {
                // The emitter completed (the container or stop() ended the stream).
                LOG.debug("stream writer ended: {}", e.getMessage());
            } catch (RuntimeException e) {
                // Anything else would end this thread and leave the response open with nobody writing to it: the client
                // would wait forever, without even a keep-alive. End the response, so that it reconnects.
                LOG.warn("stream writer failed; the client is told to reconnect", e);
                if (!containerEnded) {
                    try {
                        emitter.completeWithError(e);
                    } catch (RuntimeException alreadyDone) {
                        LOG.debug("stream already ended: {}", alreadyDone.getMessage());
                    }
                }
            } finally {
                stopped = true;
                subscribers.remove(this);
                active.decrementAndGet();
            }
        }

        /**
         * Ends the response, unless the container already has: Spring's emitter would still dispatch a request the
         * container failed, racing the container's own error handling (Spring's {@code ResponseBodyEmitter#complete}
         * says not to call it after a container event).
         */
        void complete() {
            if (containerEnded) {
                return;
            }
            try {
                emitter.complete();
            } catch (RuntimeException e) {
                LOG.debug("stream already ended: {}", e.getMessage());
            }
        }

        /**
         * The event's SSE text, written once for every stream that sends it: the text does not
         * depend on the subscriber (each one that gets this far is of the event's fleet).
         */
        private String sharedJson(DomainEventMessage<?> message, SightlineEvent event, String type, long index,
                SessionDirectory.SessionInfo info) throws IOException {
            if (index < 0) {
                return json(message, event, type, index, info);
            }
            int slot = (int) Math.floorMod(index, (long) JSON_CACHE_SLOTS);
            CachedJson cached = jsonCache.get(slot);
            if (cached != null && cached.index() == index) {
                return cached.json();
            }
            // Two streams may write the same event at once; both texts are equal, either may stay.
            String json = json(message, event, type, index, info);
            jsonCache.set(slot, new CachedJson(index, json));
            return json;
        }

        private String json(DomainEventMessage<?> message, SightlineEvent event, String type, long index,
                SessionDirectory.SessionInfo info) throws IOException {
            ObjectNode node = mapper.createObjectNode();
            node.put("globalIndex", index);
            node.put("eventId", message.getIdentifier());
            node.put("type", type);
            node.put("sessionId", message.getAggregateIdentifier());
            node.put("sequence", message.getSequenceNumber());
            node.put("fleetId", info.fleetId());
            node.put("vehicleId", info.vehicleId());
            Object occurred = message.getMetaData().get(EventMetadataKeys.OCCURRED_AT_NANOS);
            if (occurred instanceof Number n) {
                node.put("occurredAtNanos", n.longValue());
            }
            node.set("payload", mapper.valueToTree(event));
            return mapper.writeValueAsString(node);
        }
    }
}
