package io.sightline.edge.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.risk.FactorCatalog;
import io.sightline.domain.risk.FactorSpec;
import io.sightline.edge.app.rollingstop.RollingStopApplication;
import io.sightline.edge.app.rollingstop.RollingStopPolicy;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A process that never installs the applications (the cloud) finds the shipped ones' factors on
 * its class path, and the contribution lists exactly what the installed application declares.
 */
class ShippedApplicationsCatalogTest {

    @Test
    void theShippedApplicationsContributeTheirFactorsAndLevelsThroughServiceLoader() {
        List<FactorCatalog.Contribution> found = ServiceLoader.load(FactorCatalog.Contribution.class).stream()
                .map(ServiceLoader.Provider::get).collect(Collectors.toList());
        assertThat(found).hasAtLeastOneElementOfType(ShippedApplicationsCatalog.class);
        ShippedApplicationsCatalog c = (ShippedApplicationsCatalog) found.stream()
                .filter(ShippedApplicationsCatalog.class::isInstance).findFirst().orElseThrow();
        assertThat(c.factors()).map(FactorSpec::key)
                .containsExactlyElementsOf(new RollingStopApplication(RollingStopPolicy.defaults()).factors().stream()
                        .map(FactorSpec::key).toList());
        assertThat(c.ruleLevels()).containsEntry("ROLLING_STOP", "ADVISORY").containsEntry("FOLLOWING_DISTANCE", "ADVISORY");
        assertThat(FactorCatalog.byKey(RollingStopApplication.MIN_SPEED.key())).contains(RollingStopApplication.MIN_SPEED);
        assertThat(FactorCatalog.ruleLevel("ROLLING_STOP")).contains("ADVISORY");
    }
}
