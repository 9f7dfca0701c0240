package io.sightline.runtime.clip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The ring's budget, eviction by whole groups and presentation order, on packets made up to show each rule. */
class PacketRingTest {

    /** I P B B, in decode order, as an encoder with B-frames writes them: pts 0 3 1 2. */
    private static void group(PacketRing ring, long basePts, int bytesEach) {
        ring.add(new byte[bytesEach], basePts, basePts - 1, 1, true);
        ring.add(new byte[bytesEach], basePts + 3, basePts, 1, false);
        ring.add(new byte[bytesEach], basePts + 1, basePts + 1, 1, false);
        ring.add(new byte[bytesEach], basePts + 2, basePts + 2, 1, false);
    }

    @Test
    void bFramesGetTheIndexOfTheFrameTheyDecodeTo() {
        PacketRing ring = new PacketRing(1 << 20);
        group(ring, 0, 10);
        group(ring, 4, 10);
        ring.settle();
        List<PacketRing.Packet> all = ring.range(0, 7);
        assertThat(all).extracting(PacketRing.Packet::presentationIndex).containsExactly(0L, 3L, 1L, 2L, 4L, 7L, 5L, 6L);
        // Frame 5 is a B-frame of the second group: the cut starts at that group's keyframe and stops
        // after it in decode order, keeping the P it is predicted from.
        assertThat(ring.range(5, 5)).extracting(PacketRing.Packet::presentationIndex).containsExactly(4L, 7L, 5L);
    }

    @Test
    void overBudgetItForgetsWholeOldestGroupsButNeverTheNewest() {
        PacketRing ring = new PacketRing(100);
        group(ring, 0, 10);
        group(ring, 4, 10);
        assertThat(ring.heldBytes()).isEqualTo(80);
        // The third group's second B-frame takes it to 110 bytes: the oldest group goes, whole.
        group(ring, 8, 10);
        assertThat(ring.groupsForgotten()).isEqualTo(1);
        assertThat(ring.packetsForgotten()).isEqualTo(4);
        assertThat(ring.heldBytes()).isEqualTo(80).isLessThanOrEqualTo(ring.budgetBytes());
        assertThat(ring.oldestKeyIndex()).isEqualTo(4);
        ring.settle();
        assertThat(ring.range(1, 6)).as("its keyframe was forgotten").isEmpty();
        assertThat(ring.range(4, 6)).isNotEmpty();
        // One group larger than the whole budget is still kept: it is all there is to cut from.
        PacketRing small = new PacketRing(15);
        group(small, 0, 10);
        assertThat(small.heldBytes()).isEqualTo(40);
        assertThat(small.groupsForgotten()).isZero();
    }

    @Test
    void aStreamJoinedMidGroupKeepsNothingBeforeItsFirstKeyframe() {
        PacketRing ring = new PacketRing(1 << 20);
        assertThat(ring.add(new byte[5], 0, 0, 1, false)).isFalse();
        assertThat(ring.add(new byte[5], 1, 1, 1, true)).isTrue();
        assertThat(ring.droppedBeforeFirstKey()).isEqualTo(1);
        assertThat(ring.oldestKeyIndex()).isEqualTo(1);
    }
}
