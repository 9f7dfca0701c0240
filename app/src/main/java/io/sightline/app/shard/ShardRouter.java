package io.sightline.app.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sightline.cloud.shard.ShardMap;
import io.sightline.cloud.shard.ShardMapFile;
import io.sightline.cloud.shard.ShardOwnershipFilter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The thin router of a fleet-sharded cloud (ADR-0031): every HTTP request goes to the shard that
 * serves its fleet, read from the bearer token's {@code fleet} claim, or, for a device's upload
 * (which carries no token), from a {@code /fleets/{fleet}} prefix on the vehicle's cloud URL.
 * Responses, server-sent event streams included, are passed through as they arrive.
 *
 * <p>The router verifies no token: the shard does, with the same key. A forged claim only chooses
 * which shard refuses the request. What the router does refuse itself is a request whose token and
 * prefix name different fleets, a fleet the map does not place, and a fleet being moved (503).
 */
public final class ShardRouter implements AutoCloseable {

    private static final Pattern FLEET_PREFIX = Pattern.compile("^/fleets/([^/]+)(/.*)$");
    /** Hop-by-hop headers (RFC 9110 §7.6.1) and those the JDK client sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
            "trailer", "upgrade", "host", "content-length", "expect", "http2-settings");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ShardMapFile map;
    private final HttpServer server;
    private final HttpClient client;
    private final ExecutorService workers;
    private final AtomicLong forwarded = new AtomicLong();

    private ShardRouter(ShardMapFile map, HttpServer server) {
        this.map = map;
        this.server = server;
        // A thread per open exchange: an SSE stream holds one for as long as it lasts, and a slow
        // stream must never wait behind another's thread.
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "shard-router");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        server.setExecutor(workers);
        server.createContext("/", this::handle);
    }

    /** Starts serving on {@code host:port} (0: a free port). */
    public static ShardRouter start(ShardMapFile map, String host, int port) throws IOException {
        // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's delayed ACK: a
        // 40 ms stall per small response, measured (ShardRouterBench). Read once, when the JDK server first starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 256);
        ShardRouter router = new ShardRouter(map, server);
        server.start();
        return router;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public long forwarded() {
        return forwarded.get();
    }

    @Override
    public void close() {
        server.stop(1);
        workers.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            route(exchange);
        } catch (IOException | RuntimeException e) {
            // The client went away mid-stream, or the shard did: nothing more can be said on this exchange.
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        URI uri = exchange.getRequestURI();
        String path = uri.getRawPath();
        if (path.equals("/router/health")) {
            health(exchange);
            return;
        }
        String prefixFleet = null;
        Matcher m = FLEET_PREFIX.matcher(path);
        if (m.matches()) {
            prefixFleet = m.group(1);
            path = m.group(2);
        }
        String tokenFleet;
        try {
            tokenFleet = tokenFleet(exchange.getRequestHeaders().getFirst("Authorization"));
        } catch (IllegalArgumentException e) {
            problem(exchange, 401, "Unauthorized", "BAD_TOKEN", e.getMessage() + "; send 'Authorization: Bearer <token>'", null);
            return;
        }
        if (tokenFleet != null && prefixFleet != null && !tokenFleet.equals(prefixFleet)) {
            // The same answer a shard gives for another fleet's resource would leak nothing either; refusing is plainer.
            problem(exchange, 403, "Forbidden", "CROSS_FLEET", "the token is scoped to fleet " + tokenFleet
                    + " but the request names fleet " + prefixFleet + "; a token reads its own fleet only", null);
            return;
        }
        String fleet = tokenFleet != null ? tokenFleet : prefixFleet;
        ShardMap current = map.current();
        ShardMap.Shard target;
        if (fleet == null) {
            if (path.equals("/api/v1/ingest") || path.startsWith("/api/v1/evidence/") && exchange.getRequestMethod().equals("PUT")) {
                problem(exchange, 400, "Bad Request", "NO_FLEET", "a device's upload names no fleet: give the vehicle the cloud URL"
                        + " <router>/fleets/<fleet> so its batches reach its fleet's shard", null);
                return;
            }
            // No fleet to route by (health, the UI's static files, API docs, a request without a token that the shard
            // will answer 401): every shard answers these alike, so the first one does.
            target = current.shards().values().iterator().next();
        } else {
            Optional<ShardMap.Shard> owner = current.shardOf(fleet);
            if (owner.isEmpty()) {
                problem(exchange, ShardOwnershipFilter.MISDIRECTED, "Misdirected Request", "UNKNOWN_FLEET",
                        "fleet " + fleet + " is on no shard of the map; ask an operator to place it", fleet);
                return;
            }
            if (current.frozen(fleet)) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                problem(exchange, 503, "Fleet moving", "FLEET_MOVING",
                        "fleet " + fleet + " is being moved between shards; send the request again shortly", fleet);
                return;
            }
            target = owner.get();
        }
        forward(exchange, target, path, uri.getRawQuery(), fleet);
    }

    private void forward(HttpExchange exchange, ShardMap.Shard target, String path, String query, String fleet) throws IOException {
        URI to = URI.create(target.url() + path + (query == null ? "" : "?" + query));
        byte[] body = exchange.getRequestBody().readAllBytes();
        HttpRequest.Builder request = HttpRequest.newBuilder(to)
                .method(exchange.getRequestMethod(), body.length == 0 && !hasBody(exchange)
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (NOT_FORWARDED.contains(name) || name.equals(ShardOwnershipFilter.FLEET_HEADER.toLowerCase(Locale.ROOT))) {
                continue;
            }
            for (String v : h.getValue()) {
                request.header(h.getKey(), v);
            }
        }
        if (fleet != null) {
            request.header(ShardOwnershipFilter.FLEET_HEADER, fleet);
        }
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | HttpTimeoutException e) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            problem(exchange, 502, "Bad Gateway", "SHARD_UNAVAILABLE", "shard " + target.id() + " (" + target.url()
                    + ") does not answer: " + e.getMessage(), fleet);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        forwarded.incrementAndGet();
        String host = exchange.getRequestHeaders().getFirst("Host");
        String routerBase = "http://" + (host != null ? host : "127.0.0.1:" + port());
        long length = -1;
        for (Map.Entry<String, List<String>> h : response.headers().map().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("content-length")) {
                length = Long.parseLong(h.getValue().get(0));
                continue;
            }
            if (NOT_FORWARDED.contains(name) || name.equals(":status")) {
                continue;
            }
            for (String v : h.getValue()) {
                // A created resource's address is the shard's; the client should keep talking to the router.
                exchange.getResponseHeaders().add(h.getKey(), name.equals("location") && v.startsWith(target.url().toString())
                        ? routerBase + v.substring(target.url().toString().length()) : v);
            }
        }
        int status = response.statusCode();
        boolean noBody = exchange.getRequestMethod().equals("HEAD") || status == 204 || status == 304;
        // 0 means chunked: a stream (SSE) or a body of unknown length.
        exchange.sendResponseHeaders(status, noBody ? -1 : length > 0 ? length : length == 0 ? -1 : 0);
        try (InputStream in = response.body(); OutputStream out = exchange.getResponseBody()) {
            if (noBody) {
                return;
            }
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                // Passed on as it arrives, so a stream's events are not held back in a buffer.
                if (in.available() == 0) {
                    out.flush();
                }
            }
        }
    }

    private static boolean hasBody(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        return (length != null && !length.equals("0")) || exchange.getRequestHeaders().containsKey("Transfer-Encoding");
    }

    /**
     * The {@code fleet} claim of a bearer JWT, read without verifying it (the shard verifies). Null
     * without a bearer token or without the claim.
     */
    static String tokenFleet(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String[] parts = authorization.substring(7).trim().split("\\.");
        if (parts.length != 3) {
            throw new IllegalArgumentException("the bearer token is not a JWT (header.payload.signature)");
        }
        try {
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            JsonNode fleet = claims.get("fleet");
            return fleet == null || !fleet.isTextual() || fleet.asText().isBlank() ? null : fleet.asText();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the bearer token's claims cannot be read (" + e.getMessage() + ")");
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        ShardMap current = map.current();
        ObjectNode body = JSON.createObjectNode();
        body.put("status", "UP");
        body.put("forwarded", forwarded.get());
        ObjectNode shards = body.putObject("shards");
        current.shards().forEach((id, s) -> shards.put(id, s.url().toString()));
        ObjectNode fleets = body.putObject("fleets");
        current.fleets().forEach((f, s) -> fleets.put(f, current.frozen(f) ? s + " (frozen: moving)" : s));
        send(exchange, 200, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void problem(HttpExchange exchange, int status, String title, String reason, String detail, String fleet)
            throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.put("reason", reason);
        if (fleet != null) {
            body.put("fleetId", fleet);
        }
        send(exchange, status, "application/problem+json", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static String describe(ShardMap map) {
        StringBuilder sb = new StringBuilder();
        map.shards().forEach((id, s) -> sb.append(String.format(Locale.ROOT, "  shard %-8s %s  fleets %s%n", id, s.url(), map.fleetsOf(id))));
        return sb.toString();
    }
}
