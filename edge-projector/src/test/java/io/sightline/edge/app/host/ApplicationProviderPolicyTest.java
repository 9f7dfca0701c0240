package io.sightline.edge.app.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.app.SafetyApplication;
import io.sightline.edge.risk.RiskPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Applications named at the edge decide by the edge's policy, the assigned one included, not by the defaults. */
class ApplicationProviderPolicyTest {

    @Test
    void theNamedRiskApplicationsDecideByTheGivenPolicy() {
        RiskPolicy d = RiskPolicy.defaults();
        RiskPolicy assigned = new RiskPolicy("sightline-risk-assigned-test", d.egoHalfWidthM() + 0.25, d.forwardCollision(),
                d.followingDistance(), d.vulnerableRoadUser());
        List<SafetyApplication> apps = ApplicationProvider.create(List.of("forward-collision", "following-distance",
                "vulnerable-road-user", "rolling-stop"), assigned);
        for (SafetyApplication app : apps.subList(0, 3)) {
            assertThat(app.policyVersion()).as(app.name()).isEqualTo("sightline-risk-assigned-test");
            assertThat(app.thresholds()).as(app.name()).containsEntry("egoHalfWidthM", d.egoHalfWidthM() + 0.25);
        }
        assertThat(apps.get(3).policyVersion()).as("rolling stop has its own policy").isNotEqualTo("sightline-risk-assigned-test");
        assertThat(ApplicationProvider.create(List.of("forward-collision")).get(0).policyVersion())
                .as("without a policy, the defaults").isEqualTo(d.version());
    }
}
