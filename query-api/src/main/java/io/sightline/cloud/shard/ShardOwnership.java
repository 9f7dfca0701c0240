package io.sightline.cloud.shard;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * This deployment's place in a sharded cloud (ADR-0031): the shard it is, and the map saying which
 * fleets that gives it. Present only when {@code sightline.shard.id} is set; an unsharded cloud serves
 * every fleet, as before.
 */
public final class ShardOwnership {

    /** What this shard does with a fleet's request. */
    public enum Verdict {
        /** The fleet is this shard's: serve it. */
        OWNED,
        /** The fleet is being moved: answer "retry later", store nothing. */
        FROZEN,
        /** Another shard serves it (or none does): refuse, naming the right one. */
        ELSEWHERE
    }

    private final String shardId;
    private final ShardMapFile map;

    public ShardOwnership(String shardId, Path mapFile) {
        this.shardId = shardId;
        this.map = new ShardMapFile(mapFile);
        if (map.current().shard(shardId).isEmpty()) {
            throw new IllegalArgumentException("sightline.shard.id is '" + shardId + "' but the shard map " + map.path()
                    + " defines only " + map.current().shards().keySet());
        }
    }

    public String shardId() {
        return shardId;
    }

    public ShardMap map() {
        return map.current();
    }

    public Verdict verdict(String fleetId) {
        ShardMap m = map.current();
        Optional<ShardMap.Shard> owner = m.shardOf(fleetId);
        if (owner.isEmpty() || !owner.get().id().equals(shardId)) {
            return Verdict.ELSEWHERE;
        }
        return m.frozen(fleetId) ? Verdict.FROZEN : Verdict.OWNED;
    }

    /** The fleets whose topics this shard subscribes to, as the map stands at start. */
    public Set<String> ownedFleets() {
        return map.current().fleetsOf(shardId);
    }
}
