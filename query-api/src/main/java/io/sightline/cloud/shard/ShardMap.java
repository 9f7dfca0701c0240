package io.sightline.cloud.shard;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which shard serves which fleet (ADR-0031). A shard is one cloud deployment with its own
 * PostgreSQL database; the router and every shard read the same map, a properties file:
 *
 * <pre>
 * shard.a.url=http://shard-a:8080
 * shard.a.jdbc=jdbc:postgresql://db:5432/sightline_shard_a
 * shard.b.url=http://shard-b:8080
 * shard.b.jdbc=jdbc:postgresql://db:5432/sightline_shard_b
 * fleet.acme=a
 * fleet.globex=b
 * frozen.globex=true
 * </pre>
 *
 * A frozen fleet is being moved: every shard and the router answer it "retry later" so that no
 * event lands in the source store after its copy began. The map is immutable; a move writes a new
 * file ({@link #write}) which readers pick up ({@link ShardMapFile}).
 */
public final class ShardMap {

    /** Shard and fleet ids: what a properties key, a topic level and a URL path segment can all hold. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /** One shard: where the router forwards its fleets' requests, and its database (used by {@code shard move}). */
    public record Shard(String id, URI url, String jdbcUrl) {
    }

    private final Map<String, Shard> shards;
    private final Map<String, String> fleets;
    private final Set<String> frozen;

    private ShardMap(Map<String, Shard> shards, Map<String, String> fleets, Set<String> frozen) {
        this.shards = Collections.unmodifiableMap(shards);
        this.fleets = Collections.unmodifiableMap(fleets);
        this.frozen = Collections.unmodifiableSet(frozen);
    }

    public static ShardMap load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the shard map " + file + ": " + e.getMessage(), e);
        }
        return parse(p, file.toString());
    }

    /** @param origin named in errors, so the operator knows which file to fix */
    public static ShardMap parse(Properties p, String origin) {
        Map<String, String> urls = new TreeMap<>();
        Map<String, String> jdbcs = new TreeMap<>();
        Map<String, String> fleets = new TreeMap<>();
        Set<String> frozen = new TreeSet<>();
        for (String key : p.stringPropertyNames()) {
            String value = p.getProperty(key).trim();
            String[] parts = key.split("\\.", -1);
            if (parts.length == 3 && parts[0].equals("shard") && (parts[2].equals("url") || parts[2].equals("jdbc"))) {
                requireId(parts[1], "shard id", key, origin);
                (parts[2].equals("url") ? urls : jdbcs).put(parts[1], value);
            } else if (parts.length == 2 && parts[0].equals("fleet")) {
                requireId(parts[1], "fleet id", key, origin);
                requireId(value, "shard id", key, origin);
                fleets.put(parts[1], value);
            } else if (parts.length == 2 && parts[0].equals("frozen")) {
                if (!value.equals("true") && !value.equals("false")) {
                    throw new IllegalArgumentException(origin + ": " + key + " must be true or false, got '" + value + "'");
                }
                if (value.equals("true")) {
                    frozen.add(parts[1]);
                }
            } else {
                throw new IllegalArgumentException(origin + ": unknown key '" + key
                        + "'; a shard map holds shard.<id>.url, shard.<id>.jdbc, fleet.<fleet>=<shard> and frozen.<fleet>=true");
            }
        }
        Map<String, Shard> shards = new TreeMap<>();
        for (Map.Entry<String, String> u : urls.entrySet()) {
            URI url;
            try {
                url = URI.create(u.getValue().replaceAll("/+$", ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(origin + ": shard." + u.getKey() + ".url is not a URL: " + e.getMessage(), e);
            }
            if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
                throw new IllegalArgumentException(origin + ": shard." + u.getKey() + ".url must be http(s)://host:port, got '"
                        + u.getValue() + "'");
            }
            String jdbc = jdbcs.get(u.getKey());
            if (jdbc != null && !jdbc.startsWith("jdbc:postgresql://")) {
                throw new IllegalArgumentException(origin + ": shard." + u.getKey() + ".jdbc must be jdbc:postgresql://host:port/db, got '"
                        + jdbc + "'");
            }
            shards.put(u.getKey(), new Shard(u.getKey(), url, jdbc));
        }
        for (String id : jdbcs.keySet()) {
            if (!shards.containsKey(id)) {
                throw new IllegalArgumentException(origin + ": shard." + id + ".jdbc is given but shard." + id + ".url is not");
            }
        }
        if (shards.isEmpty()) {
            throw new IllegalArgumentException(origin + ": the shard map names no shard (shard.<id>.url=http://host:port)");
        }
        for (Map.Entry<String, String> f : fleets.entrySet()) {
            if (!shards.containsKey(f.getValue())) {
                throw new IllegalArgumentException(origin + ": fleet." + f.getKey() + " points to shard '" + f.getValue()
                        + "', which the map does not define (shards: " + shards.keySet() + ")");
            }
        }
        for (String f : frozen) {
            if (!fleets.containsKey(f)) {
                throw new IllegalArgumentException(origin + ": frozen." + f + " names a fleet the map does not place on a shard");
            }
        }
        return new ShardMap(shards, fleets, frozen);
    }

    private static void requireId(String id, String what, String key, String origin) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(origin + ": " + key + ": '" + id + "' is not a valid " + what
                    + " (letters, digits, '_', '.', '-'; at most 64)");
        }
    }

    public Optional<Shard> shardOf(String fleetId) {
        String id = fleetId == null ? null : fleets.get(fleetId);
        return id == null ? Optional.empty() : Optional.of(shards.get(id));
    }

    public Optional<Shard> shard(String shardId) {
        return Optional.ofNullable(shards.get(shardId));
    }

    public Map<String, Shard> shards() {
        return shards;
    }

    /** Fleet id to shard id. */
    public Map<String, String> fleets() {
        return fleets;
    }

    public Set<String> fleetsOf(String shardId) {
        Set<String> out = new TreeSet<>();
        fleets.forEach((fleet, shard) -> {
            if (shard.equals(shardId)) {
                out.add(fleet);
            }
        });
        return out;
    }

    public boolean frozen(String fleetId) {
        return frozen.contains(fleetId);
    }

    public ShardMap withFleet(String fleetId, String shardId) {
        requireId(fleetId, "fleet id", "fleet", "withFleet");
        if (!shards.containsKey(shardId)) {
            throw new IllegalArgumentException("no shard '" + shardId + "' in the map (shards: " + shards.keySet() + ")");
        }
        Map<String, String> f = new TreeMap<>(fleets);
        f.put(fleetId, shardId);
        return new ShardMap(new TreeMap<>(shards), f, new TreeSet<>(frozen));
    }

    public ShardMap withFrozen(String fleetId, boolean on) {
        if (!fleets.containsKey(fleetId)) {
            throw new IllegalArgumentException("fleet '" + fleetId + "' is on no shard of the map");
        }
        Set<String> f = new TreeSet<>(frozen);
        if (on) {
            f.add(fleetId);
        } else {
            f.remove(fleetId);
        }
        return new ShardMap(new TreeMap<>(shards), new TreeMap<>(fleets), f);
    }

    public Properties toProperties() {
        Properties p = new Properties();
        shards.forEach((id, s) -> {
            p.setProperty("shard." + id + ".url", s.url().toString());
            if (s.jdbcUrl() != null) {
                p.setProperty("shard." + id + ".jdbc", s.jdbcUrl());
            }
        });
        fleets.forEach((f, s) -> p.setProperty("fleet." + f, s));
        frozen.forEach(f -> p.setProperty("frozen." + f, "true"));
        return p;
    }

    /** Replaces the file in one rename, so a reader sees the old map or the new one, never half of either. */
    public void write(Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                StringBuilder sb = new StringBuilder("# Sightline shard map (ADR-0031)\n");
                new TreeMap<>(toProperties()).forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
                w.write(sb.toString());
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the shard map " + file + ": " + e.getMessage(), e);
        }
    }
}
