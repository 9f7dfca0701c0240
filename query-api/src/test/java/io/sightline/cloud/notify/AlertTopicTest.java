package io.sightline.cloud.notify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Fleet and vehicle ids come from the edge: none of them may move a notification to another topic. */
class AlertTopicTest {

    @Test
    void ordinaryIdsAreTheTopicLevelsAsTheyAre() {
        assertThat(AlertPublisher.topicLevel("veh-1")).isEqualTo("veh-1");
        assertThat(AlertPublisher.topicLevel("fleet.a_ü")).isEqualTo("fleet.a_ü");
    }

    @Test
    void separatorsWildcardsPercentAndNulAreEncodedSoEveryIdStaysOneLevel() {
        assertThat(AlertPublisher.topicLevel("a/b")).isEqualTo("a%2Fb");
        assertThat(AlertPublisher.topicLevel("+")).isEqualTo("%2B");
        assertThat(AlertPublisher.topicLevel("x#")).isEqualTo("x%23");
        assertThat(AlertPublisher.topicLevel("50%")).isEqualTo("50%25");
        assertThat(AlertPublisher.topicLevel("n\u0000")).isEqualTo("n%00");
        // Distinct ids stay distinct: "%2F" itself is encoded, so it cannot collide with "/".
        assertThat(AlertPublisher.topicLevel("%2F")).isNotEqualTo(AlertPublisher.topicLevel("/"));
    }
}
