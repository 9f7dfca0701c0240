package io.sightline.edge.app;

import io.sightline.domain.risk.FactorCatalog;
import io.sightline.domain.risk.FactorSpec;
import io.sightline.edge.app.rollingstop.RollingStopApplication;
import io.sightline.edge.risk.AlertKind;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shipped applications' factors and rule levels, found through {@link java.util.ServiceLoader}
 * by any process with this module on its class path. A cloud that never installs the applications
 * (it only explains what vehicles recorded) still labels a rolling stop's factors and knows its
 * level; the built-in rule sets' factors are {@code domain}'s {@code Factor} already.
 */
public final class ShippedApplicationsCatalog implements FactorCatalog.Contribution {

    @Override
    public Collection<? extends FactorSpec> factors() {
        return RollingStopApplication.FACTORS;
    }

    @Override
    public Map<String, String> ruleLevels() {
        Map<String, String> levels = new LinkedHashMap<>();
        for (AlertKind k : SafetyApplications.shippedKinds()) {
            levels.put(k.name(), k.level());
        }
        return levels;
    }
}
