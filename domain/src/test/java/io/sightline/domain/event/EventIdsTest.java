package io.sightline.domain.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventIdsTest {

    @Test
    void anIdIsTheNameBasedUuidOfScopeKindAndPart() {
        assertThat(EventIds.of("run-1", "DriveSessionStarted", "0"))
                .isEqualTo(UUID.nameUUIDFromBytes("run-1/DriveSessionStarted/0".getBytes(StandardCharsets.UTF_8)).toString());
        assertThat(EventIds.frame("run-1", 42))
                .isEqualTo(UUID.nameUUIDFromBytes("run-1/FrameCaptured/42".getBytes(StandardCharsets.UTF_8)).toString());
        assertThat(EventIds.of("séance-✓-\uD83D\uDE97", "k", -7L))
                .isEqualTo(UUID.nameUUIDFromBytes("séance-✓-\uD83D\uDE97/k/-7".getBytes(StandardCharsets.UTF_8)).toString());
        assertThat(EventIds.of("s", "k", Long.MIN_VALUE))
                .isEqualTo(UUID.nameUUIDFromBytes(("s/k/" + Long.MIN_VALUE).getBytes(StandardCharsets.UTF_8)).toString());
        String longScope = "x".repeat(1000);
        assertThat(EventIds.of(longScope, "k", "p"))
                .isEqualTo(UUID.nameUUIDFromBytes((longScope + "/k/p").getBytes(StandardCharsets.UTF_8)).toString());
    }

    @Test
    void theSameInputsGiveTheSameIdsOnAnyThreadAndOtherInputsOtherIds() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    List<String> ids = new ArrayList<>();
                    for (int f = 0; f < 500; f++) {
                        String frame = EventIds.frame("run-a", f);
                        ids.add(frame);
                        for (int d = 0; d < 4; d++) {
                            ids.add(EventIds.detection(frame, d));
                        }
                    }
                    return ids;
                }));
            }
            List<String> first = runs.get(0).get();
            for (Future<List<String>> r : runs) {
                assertThat(r.get()).isEqualTo(first);
            }
            Set<String> distinct = new HashSet<>(first);
            assertThat(distinct).hasSize(first.size());
            for (int f = 0; f < 500; f++) {
                assertThat(distinct).doesNotContain(EventIds.frame("run-b", f));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anIdNeedsAScope() {
        assertThatThrownBy(() -> EventIds.of("", "k", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventIds.of(null, "k", "p")).isInstanceOf(IllegalArgumentException.class);
    }
}
