package io.sightline.cloud.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import io.sightline.testkit.Await;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** SSE streams over a real server, store and broker-free ingestion: ordering, resume, isolation, roles. */
@CloudIntegrationTest(properties = {"sightline.streams.buffer-events=500", "sightline.streams.max-delay-millis=1500", "sightline.projections.enabled=false",
        "sightline.streams.heartbeat-seconds=1"})
class EventStreamIntegrationTest {

    private static final long T0 = 1_764_000_000_000_000_000L;

    /**
     * A small, fixed socket send buffer: Linux would otherwise grow it to megabytes, and the slow
     * reader would have to fall minutes behind before the server could notice.
     */
    @org.springframework.boot.test.context.TestConfiguration
    static class SmallSocketBuffers {
        @org.springframework.context.annotation.Bean
        org.springframework.boot.tomcat.TomcatConnectorCustomizer smallSendBuffer() {
            return connector -> connector.setProperty("socket.txBufSize", "16384");
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    IngestionService ingestion;
    @Autowired
    DemoTokens tokens;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    EventStreamService streams;

    private final HttpClient http = HttpClient.newHttpClient();

    private String token(String fleet, String... roles) {
        return tokens.mint("test", fleet, Duration.ofMinutes(10), roles);
    }

    private long head() {
        return jdbc.queryForObject("select coalesce(max(global_index), 0) from domain_event_entry", Long.class);
    }

    /** Appends a session of {@code frames} frames in batches; returns the number of events. */
    private int appendSession(String sessionId, String fleet, int frames) {
        return appendSession(sessionId, fleet, frames, 250, 0);
    }

    /**
     * Appends in batches of {@code batch}, pausing {@code pauseMillis} between them, so a stream
     * test can feed events at a steady rate like a live fleet rather than all at once.
     */
    private int appendSession(String sessionId, String fleet, int frames, int batch, long pauseMillis) {
        List<EventEnvelope> events = new ArrayList<>();
        events.add(new EventEnvelope(sessionId + "/0", 0, T0, new DriveSessionStarted(sessionId, fleet, "veh-" + sessionId, "dev", "0.1.0",
                T0, new CameraCalibration("cal", 700, 700, 480, 270, 960, 540, 1.3, 0, true), "policy-v1", Map.of())));
        for (int f = 1; f <= frames; f++) {
            events.add(new EventEnvelope(sessionId + "/" + f, f, T0 + f, new FrameCaptured("f" + f, f, f * 40_000_000L, 960, 540,
                    "clip-with-a-reasonably-long-source-name-to-make-each-event-bigger.mp4")));
        }
        for (int i = 0; i < events.size(); i += batch) {
            ingestion.append(sessionId, i, events.subList(i, Math.min(events.size(), i + batch)));
            if (pauseMillis > 0) {
                // Deliberate: the pause is the feed rate of a live fleet, not a wait for anything.
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        return events.size();
    }

    private HttpResponse<java.util.stream.Stream<String>> open(String path, String bearer, Long lastEventId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        if (lastEventId != null) {
            b.header("Last-Event-ID", Long.toString(lastEventId));
        }
        try {
            // Bounded: a server that never answers fails the test here, saying so, instead of at JUnit's 10-minute limit.
            return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines()).get(RESPONSE_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no response to GET " + path + " within " + RESPONSE_TIMEOUT_S + " s; active streams "
                    + streams.activeSubscribers() + "; the server's stream threads:\n" + streamThreads(), e);
        }
    }

    private static final long RESPONSE_TIMEOUT_S = 30;

    /** {@link #read} with a deadline, for reads on the test's own thread. */
    private List<String[]> readWithin(java.util.stream.Stream<String> lines, int expected) throws Exception {
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            return reader.submit(() -> read(lines, expected)).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(expected + " events did not arrive within 60 s; active streams "
                    + streams.activeSubscribers() + "; the server's stream threads:\n" + streamThreads(), e);
        } finally {
            reader.shutdownNow();
            lines.close();
        }
    }

    /** Reads SSE frames until {@code expected} data events arrived; returns their ids and event names. */
    private static List<String[]> read(java.util.stream.Stream<String> lines, int expected) {
        List<String[]> got = new ArrayList<>();
        String[] current = new String[2];
        var it = lines.iterator();
        while (got.size() < expected && it.hasNext()) {
            String line = it.next();
            if (line.startsWith("id:")) {
                current[0] = line.substring(3).trim();
            } else if (line.startsWith("event:")) {
                current[1] = line.substring(6).trim();
            } else if (line.isEmpty() && current[0] != null) {
                got.add(current);
                if ("resume".equals(current[1])) {
                    break;
                }
                current = new String[2];
            }
        }
        lines.close();
        return got;
    }

    @Test
    void aQuietStreamSendsKeepAliveCommentsSoProxiesKeepItOpen() throws Exception {
        // A fleet nobody appends to: nothing to send, so only the heartbeat (every second here) crosses the wire. Read over
        // a plain socket with a read timeout, so that a stream that goes silent fails this test in seconds, saying what
        // the server's stream threads were doing, instead of blocking it until JUnit's 10-minute limit (as it once did in CI).
        try (Socket socket = new Socket()) {
            socket.connect(new java.net.InetSocketAddress("localhost", port), 5_000);
            socket.setSoTimeout(QUIET_READ_TIMEOUT_MS);
            long started = System.nanoTime();
            List<String> comments = new ArrayList<>();
            try {
                BufferedReader reader = new BufferedReader(new InputStreamReader(
                        rawStream(socket, token("fleet-quiet", Roles.SAFETY_APP), head()), StandardCharsets.UTF_8));
                String line;
                while (comments.size() < 3 && (line = reader.readLine()) != null) {
                    if (line.equals(":keep-alive") || line.equals(": keep-alive")) {
                        comments.add(line);
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("the quiet stream sent nothing for " + QUIET_READ_TIMEOUT_MS + " ms after "
                        + comments.size() + " keep-alive comments (one is due every second); active streams "
                        + streams.activeSubscribers() + "; the server's stream threads:\n" + streamThreads(), e);
            }
            assertThat(comments).as("keep-alive comments before the stream ended").hasSize(3);
            // Three heartbeats of one second each, not a burst: at least two seconds passed.
            assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(2_000_000_000L);
        }
    }

    /** Long enough for a loaded machine, far below JUnit's limit; a heartbeat is due every second. */
    private static final int QUIET_READ_TIMEOUT_MS = 20_000;

    /** Where the server's stream writers, readers and request threads are, for a failure message. */
    private static String streamThreads() {
        StringBuilder sb = new StringBuilder();
        for (var e : Thread.getAllStackTraces().entrySet()) {
            String name = e.getKey().getName();
            if (name.startsWith("sse-subscriber") || name.startsWith("http-nio")) {
                sb.append("  ").append(name).append(' ').append(e.getKey().getState()).append('\n');
                StackTraceElement[] stack = e.getValue();
                for (int i = 0; i < Math.min(12, stack.length); i++) {
                    sb.append("      at ").append(stack[i]).append('\n');
                }
            }
        }
        return sb.toString();
    }

    /**
     * Sends a stream request over {@code socket}, checks the status line and skips the headers byte by byte, so
     * nothing of the body is buffered away; returns the de-chunked body.
     */
    private static InputStream rawStream(Socket socket, String bearer, long lastEventId) throws java.io.IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET /api/v1/streams/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + bearer
                + "\r\nLast-Event-ID: " + lastEventId + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream raw = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        int matched = 0;
        while (matched < 4) {
            int b = raw.read();
            if (b < 0) {
                throw new IllegalStateException("connection closed before the response body; got: " + head);
            }
            head.append((char) b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        assertThat(head.toString()).as("the stream's response").startsWith("HTTP/1.1 200");
        return new ChunkedBody(raw);
    }

    /**
     * Clients that leave mid-stream, over and over while events flow, never cost a later client its response, and the
     * server lets go of every stream they left. A stream writer that wrote before Tomcat was done with the request, or
     * ended a request the container had already failed, left a new connection here with no response at all (ADR-0045).
     */
    @Test
    void clientsThatLeaveNeverCostALaterClientItsResponse() throws Exception {
        String bearer = token("fleet-churn", Roles.SAFETY_APP);
        int baseline = streams.activeSubscribers();
        java.util.concurrent.atomic.AtomicBoolean feeding = new java.util.concurrent.atomic.AtomicBoolean(true);
        ExecutorService feeder = Executors.newSingleThreadExecutor();
        // Events keep every writer writing, so a client that left is found out at once, as new clients arrive.
        Future<?> feed = feeder.submit(() -> {
            int n = 0;
            while (feeding.get()) {
                appendSession("churn-" + n++, "fleet-churn", 60, 20, 50);
            }
        });
        int connections = 120;
        try {
            for (int i = 0; i < connections; i++) {
                Socket socket = new Socket();
                try {
                    socket.connect(new java.net.InetSocketAddress("localhost", port), 5_000);
                    socket.setSoTimeout(CHURN_RESPONSE_TIMEOUT_MS);
                    BufferedReader reader = new BufferedReader(new InputStreamReader(
                            rawStream(socket, bearer, head()), StandardCharsets.UTF_8));
                    assertThat(reader.readLine()).as("connection %d: the stream's first line", i).startsWith(":");
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("connection " + i + " of " + connections + " had no response within "
                            + CHURN_RESPONSE_TIMEOUT_MS + " ms; active streams " + streams.activeSubscribers()
                            + "; the server's stream threads:\n" + streamThreads(), e);
                } finally {
                    if (i % 2 == 0) {
                        socket.setSoLinger(true, 0); // a reset, as from a client that crashed; the others close cleanly
                    }
                    socket.close();
                }
            }
        } finally {
            feeding.set(false);
            feed.get(60, TimeUnit.SECONDS);
            feeder.shutdownNow();
        }
        Await.until("every stream of a client that left is released", Duration.ofSeconds(20),
                () -> streams.activeSubscribers() <= baseline, () -> "; active: " + streams.activeSubscribers()
                        + " (before: " + baseline + ")");
    }

    /** A response is due at once; this leaves room for a loaded machine and stays far below JUnit's limit. */
    private static final int CHURN_RESPONSE_TIMEOUT_MS = 15_000;

    @Test
    void rolesAndFleetsGuardTheStreams() throws Exception {
        assertThat(open("/api/v1/streams/events", null, null).statusCode()).isEqualTo(401);
        assertThat(open("/api/v1/streams/events", token("fleet-a", Roles.INVESTIGATOR), null).statusCode()).isEqualTo(403);
        assertThat(open("/api/v1/streams/alerts", token("fleet-a", Roles.AUDITOR), null).statusCode()).isEqualTo(403);
        assertThat(open("/api/v1/streams/events?types=Nope", token("fleet-a", Roles.SAFETY_APP), null).statusCode()).isEqualTo(400);

        long start = head();
        appendSession("iso-b", "fleet-b", 20);
        int aEvents = appendSession("iso-a", "fleet-a", 10);
        var response = open("/api/v1/streams/events", token("fleet-a", Roles.SAFETY_APP), start);
        assertThat(response.statusCode()).isEqualTo(200);
        List<String[]> got = readWithin(response.body(), aEvents);
        assertThat(got).hasSize(aEvents);
        List<Long> ids = got.stream().map(g -> Long.parseLong(g[0])).toList();
        List<Long> fleetAIndexes = jdbc.queryForList(
                "select global_index from domain_event_entry where aggregate_identifier = 'iso-a' order by global_index", Long.class);
        assertThat(ids).as("fleet A sees exactly its own events, in order").isEqualTo(fleetAIndexes);
    }

    @Test
    void fiftySubscribersOneSlowEveryoneGetsEverythingInOrder() throws Exception {
        long start = head();
        String bearer = token("fleet-s", Roles.SAFETY_APP);
        int fast = 49;
        ExecutorService pool = Executors.newFixedThreadPool(fast + 1);
        List<Future<List<String[]>>> fastReaders = new ArrayList<>();
        int total = 2 * 1501;
        for (int i = 0; i < fast; i++) {
            var response = open("/api/v1/streams/events", bearer, start);
            assertThat(response.statusCode()).isEqualTo(200);
            fastReaders.add(pool.submit(() -> read(response.body(), total)));
        }
        CopyOnWriteArrayList<String[]> slowGot = new CopyOnWriteArrayList<>();
        Future<?> slow = pool.submit(() -> slowRawReader(bearer, start, slowGot));
        Await.until((fast + 1) + " subscribers", Duration.ofSeconds(10), () -> streams.activeSubscribers() >= fast + 1,
                () -> "; active: " + streams.activeSubscribers());

        // About 300 events/s: every fast subscriber keeps up; the slow one (about 40 events/s) cannot.
        appendSession("fifty-1", "fleet-s", 1500, 30, 100);
        appendSession("fifty-2", "fleet-s", 1500, 30, 100);
        List<Long> expected = jdbc.queryForList("select global_index from domain_event_entry where aggregate_identifier in"
                + " ('fifty-1','fifty-2') order by global_index", Long.class);
        assertThat(expected).hasSize(total);

        for (Future<List<String[]>> f : fastReaders) {
            List<String[]> frames = f.get(60, TimeUnit.SECONDS);
            String lastName = frames.isEmpty() ? "none" : frames.get(frames.size() - 1)[1];
            List<Long> ids = frames.stream().map(g -> Long.parseLong(g[0])).toList();
            assertThat(ids).as("a fast subscriber sees every event in order (got %d, last event '%s')", ids.size(), lastName)
                    .isEqualTo(expected);
        }
        slow.get(60, TimeUnit.SECONDS);
        String[] last = slowGot.get(slowGot.size() - 1);
        assertThat(last[1]).as("the slow subscriber is told to resume").isEqualTo("resume");
        List<Long> before = slowGot.subList(0, slowGot.size() - 1).stream().map(g -> Long.parseLong(g[0])).toList();
        long resumeFrom = Long.parseLong(last[0]);
        assertThat(before).isNotEmpty();
        assertThat(resumeFrom).isEqualTo(before.get(before.size() - 1));
        var resumed = open("/api/v1/streams/events", bearer, resumeFrom);
        List<Long> after = readWithin(resumed.body(), total - before.size()).stream().map(g -> Long.parseLong(g[0])).toList();
        List<Long> all = new ArrayList<>(before);
        all.addAll(after);
        assertThat(all).as("before resume (%d, last %d) + after resume (%d, first %s) = every event once, in order (%d)",
                before.size(), resumeFrom, after.size(), after.isEmpty() ? "none" : after.get(0), expected.size()).isEqualTo(expected);
        assertThat(streams.resumeNotices()).isPositive();
        pool.shutdownNow();
    }

    /** A subscriber with a tiny receive window that reads a little at a time. */
    private void slowRawReader(String bearer, long lastEventId, List<String[]> got) {
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(2048);
            socket.connect(new java.net.InetSocketAddress("localhost", port));
            InputStream body = rawStream(socket, bearer, lastEventId);
            InputStream slowIn = new InputStream() {
                private int sinceSleep;

                @Override
                public int read() throws java.io.IOException {
                    if (++sinceSleep >= 256) {
                        sinceSleep = 0;
                        // Deliberate: this reader is the slow client the server must cut off, so it lets time pass.
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return body.read();
                }
            };
            BufferedReader reader = new BufferedReader(new InputStreamReader(slowIn, StandardCharsets.UTF_8), 64);
            String line;
            String[] current = new String[2];
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("id:")) {
                    current[0] = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    current[1] = line.substring(6).trim();
                } else if (line.isEmpty() && current[0] != null) {
                    got.add(current);
                    if ("resume".equals(current[1])) {
                        return;
                    }
                    current = new String[2];
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** HTTP/1.1 chunked transfer decoding, so chunk sizes never split an SSE line. */
    private static final class ChunkedBody extends InputStream {
        private final InputStream in;
        private long remaining;
        private boolean done;

        ChunkedBody(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws java.io.IOException {
            if (done) {
                return -1;
            }
            if (remaining == 0) {
                String size = line();
                if (size.isEmpty()) {
                    size = line();
                }
                int semi = size.indexOf(';');
                remaining = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (remaining == 0) {
                    done = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b >= 0 && --remaining == 0) {
                line();
            }
            return b;
        }

        /**
         * One byte at a time: InputStream's default would wait until {@code len} bytes have come, minutes on a stream
         * that only sends a keep-alive a second; a reader above gets each byte as it arrives.
         */
        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
            if (len == 0) {
                return 0;
            }
            int c = read();
            if (c < 0) {
                return -1;
            }
            b[off] = (byte) c;
            return 1;
        }

        private String line() throws java.io.IOException {
            StringBuilder sb = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (b != '\r') {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        }
    }
}
