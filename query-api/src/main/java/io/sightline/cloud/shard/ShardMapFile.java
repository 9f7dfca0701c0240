package io.sightline.cloud.shard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shard map file, read again when it changes: moving a fleet rewrites it, and the router and the
 * shards follow without a restart. A rewritten file that does not parse is logged and the last good
 * map stays, so a typo never unroutes every fleet.
 */
public final class ShardMapFile {

    private static final Logger LOG = LoggerFactory.getLogger(ShardMapFile.class);
    /** How stale a reader's map may be; a move waits longer than this after freezing a fleet. */
    public static final long CHECK_INTERVAL_MILLIS = 250;

    private final Path file;
    private volatile ShardMap map;
    private volatile byte[] content;
    private volatile long checkedAtMillis;

    /** Reads the file now: a missing or malformed map at start is an error, not a stale map. */
    public ShardMapFile(Path file) {
        this.file = file.toAbsolutePath();
        this.map = ShardMap.load(this.file);
        stamp();
        this.checkedAtMillis = System.currentTimeMillis();
    }

    public Path path() {
        return file;
    }

    public ShardMap current() {
        long now = System.currentTimeMillis();
        if (now - checkedAtMillis >= CHECK_INTERVAL_MILLIS) {
            synchronized (this) {
                if (now - checkedAtMillis >= CHECK_INTERVAL_MILLIS) {
                    checkedAtMillis = now;
                    reloadIfChanged();
                }
            }
        }
        return map;
    }

    private void reloadIfChanged() {
        try {
            // The file is a few hundred bytes: comparing its bytes is cheaper to trust than a modification time
            // whose resolution varies by file system.
            byte[] now = Files.readAllBytes(file);
            if (Arrays.equals(now, content)) {
                return;
            }
            ShardMap next = ShardMap.load(file);
            map = next;
            content = now;
            LOG.info("Shard map {} reloaded: fleets {}", file, next.fleets());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Shard map {} not reloaded, keeping the last good one: {}", file, e.getMessage());
        }
    }

    private void stamp() {
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the shard map " + file + ": " + e.getMessage(), e);
        }
    }
}
