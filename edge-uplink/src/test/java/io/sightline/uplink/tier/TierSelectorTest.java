package io.sightline.uplink.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.uplink.journal.EdgeJournal.StoredEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which events go up, which become declared gaps, and when a decision is final. */
public class TierSelectorTest {

    static final long S = 1_000_000_000L;
    static final long T0 = 1_764_000_000L * S;
    static final UploadTiers NO_SAMPLE = UploadTiers.defaults().withSample(0, 1);

    /** One event per second from T0, of the given type. */
    static StoredEvent at(long second, String type) {
        return new StoredEvent(second, "e" + second, T0 + second * S, "{}", type);
    }

    static TierSelector.Windows alertAt(long second) {
        long t = T0 + second * S;
        return nanos -> nanos >= t - 30 * S && nanos <= t + 10 * S ? TierSelector.Tier.SAFETY : null;
    }

    @Test
    void theAlertWindowAndSummariesGoUpAndTheRestBecomesGapsThatNeverCrossASampleWindow() {
        TierSelector selector = new TierSelector(NO_SAMPLE, "s", T0, alertAt(100), T0 + 200 * S, true);
        for (long i = 0; i < 200; i++) {
            assertThat(selector.offer(at(i, i == 0 ? "DriveSessionStarted" : "FrameCaptured"))).isTrue();
        }
        selector.endOfSession();
        List<TierSelector.Item> items = selector.items();
        assertThat(items.get(0).tier()).isEqualTo(TierSelector.Tier.SUMMARY);
        assertThat(items.stream().filter(i -> i.tier() == TierSelector.Tier.SAFETY).map(i -> i.event().sequence()))
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(70, 110).boxed().toList());
        List<TierSelector.Item> gaps = items.stream().filter(TierSelector.Item::isGap).toList();
        // Sequences 1..69 and 111..199, cut at every 30 s sample window.
        assertThat(gaps).extracting(i -> i.gap().fromSequence() + ".." + i.gap().toSequence())
                .containsExactly("1..30", "30..60", "60..70", "111..120", "120..150", "150..180", "180..200");
        long covered = items.stream().mapToLong(i -> i.isGap() ? i.gap().eventCount() : 1).sum();
        assertThat(covered).as("every sequence is uploaded or declared").isEqualTo(200);
    }

    @Test
    void anEventANewerAlertCouldStillClaimWaitsAndSoDoesEverythingAfterIt() {
        TierSelector selector = new TierSelector(NO_SAMPLE, "s", T0, nanos -> null, T0 + 100 * S, false);
        long offered = 0;
        while (selector.offer(at(offered, "FrameCaptured"))) {
            offered++;
        }
        // Seconds 70..100 may still fall in the window of an alert at 100 s or later.
        assertThat(offered).isEqualTo(70);
        assertThat(selector.nextSequence(0)).as("the open gap 60..69 is not declared until it is closed").isEqualTo(60);
    }

    @Test
    void theSampleRuleIsSeededAndNearItsShare() {
        UploadTiers tiers = UploadTiers.defaults();
        long chosen = java.util.stream.LongStream.range(0, 10_000).filter(i -> tiers.sampled("session-x", i)).count();
        assertThat(chosen).as("one window in every 50").isEqualTo(200);
        assertThat(tiers.sampled("session-x", 17)).isEqualTo(UploadTiers.defaults().sampled("session-x", 17));
        long differ = java.util.stream.LongStream.range(0, 1_000)
                .filter(i -> tiers.sampled("session-x", i) != tiers.withSample(0.02, 2).sampled("session-x", i)).count();
        assertThat(differ).as("another seed picks other windows").isPositive();
    }

    @Test
    void aDecisionWithinTheMarginOfFlippingIsANearMiss() {
        UploadTiers tiers = UploadTiers.defaults();
        assertThat(tiers.nearMiss(fcw(2.3))).as("TTC 2.3 s against 2.1 s: 9.5 % away").isTrue();
        assertThat(tiers.nearMiss(fcw(3.0))).isFalse();
        assertThat(tiers.withNearMissMargin(0.5).nearMiss(fcw(3.0))).isTrue();
    }

    public static RiskAssessed fcw(double ttc) {
        return new RiskAssessed("r", "f", "t1", "FORWARD_COLLISION", "p", "NONE", 30, 10, 0, ttc, 20,
                List.of(new RiskFactor("fcw.ttc", ttc, "s", "<=", 2.1, 2.1 - ttc, ttc <= 2.1),
                        new RiskFactor("fcw.egoSpeed", 20, "m/s", ">=", 8, 12, true)), List.of());
    }
}
