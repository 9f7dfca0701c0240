package io.sightline.cloud.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardMapTest {

    static ShardMap parse(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return ShardMap.parse(p, "test.properties");
    }

    @Test
    void placesFleetsOnShards() throws IOException {
        ShardMap map = parse("shard.a.url=http://a:8080/\nshard.a.jdbc=jdbc:postgresql://db/a\nshard.b.url=http://b:8080\n"
                + "fleet.north=a\nfleet.south=b\nfrozen.south=true\n");
        assertThat(map.shardOf("north").orElseThrow().url()).hasToString("http://a:8080");
        assertThat(map.shardOf("north").orElseThrow().jdbcUrl()).isEqualTo("jdbc:postgresql://db/a");
        assertThat(map.shardOf("nowhere")).isEmpty();
        assertThat(map.fleetsOf("b")).containsExactly("south");
        assertThat(map.frozen("south")).isTrue();
        assertThat(map.frozen("north")).isFalse();
    }

    @Test
    void badMapsAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> parse("shard.a.url=http://a:8080\nfleet.north=c\n")).hasMessageContaining("fleet.north")
                .hasMessageContaining("'c'");
        assertThatThrownBy(() -> parse("fleet.north=a\n")).hasMessageContaining("names no shard");
        assertThatThrownBy(() -> parse("shard.a.url=ftp://a\n")).hasMessageContaining("shard.a.url must be http(s)");
        assertThatThrownBy(() -> parse("shard.a.url=http://a\nshard.a.jdbc=jdbc:mysql://x/y\n")).hasMessageContaining("shard.a.jdbc");
        assertThatThrownBy(() -> parse("shard.a.url=http://a\nfleets.north=a\n")).hasMessageContaining("unknown key 'fleets.north'");
        assertThatThrownBy(() -> parse("shard.a.url=http://a\nfleet.no/rth=a\n")).hasMessageContaining("not a valid fleet id");
        assertThatThrownBy(() -> parse("shard.a.url=http://a\nfrozen.north=true\n")).hasMessageContaining("frozen.north");
        assertThatThrownBy(() -> parse("shard.a.url=http://a\nfleet.north=a\nfrozen.north=yes\n")).hasMessageContaining("true or false");
    }

    @Test
    void aRewrittenFileIsPickedUpAndABrokenOneKeepsTheLastGoodMap(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("shards.properties");
        Files.writeString(file, "shard.a.url=http://a:1\nshard.b.url=http://b:1\nfleet.north=a\n");
        ShardMapFile reader = new ShardMapFile(file);
        assertThat(reader.current().shardOf("north").orElseThrow().id()).isEqualTo("a");

        reader.current().withFleet("north", "b").withFrozen("north", true).write(file);
        Thread.sleep(ShardMapFile.CHECK_INTERVAL_MILLIS + 50);
        assertThat(reader.current().shardOf("north").orElseThrow().id()).isEqualTo("b");
        assertThat(reader.current().frozen("north")).isTrue();

        Files.writeString(file, "shard.a.url=http://a:1\nfleet.north=zzz\n");
        Thread.sleep(ShardMapFile.CHECK_INTERVAL_MILLIS + 50);
        assertThat(reader.current().shardOf("north").orElseThrow().id()).as("the last good map").isEqualTo("b");
    }
}
