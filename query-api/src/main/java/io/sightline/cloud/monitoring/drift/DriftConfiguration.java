package io.sightline.cloud.monitoring.drift;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The drift policy in force: {@link DriftPolicy#DEFAULT} unless {@code sightline.monitoring.drift.*}
 * says otherwise. A changed value without a new {@code version} is refused at start-up, so that no
 * two different configurations ever sign findings with the same version.
 */
@Configuration(proxyBeanMethods = false)
public class DriftConfiguration {

    static final String PREFIX = "sightline.monitoring.drift.";

    @Bean
    DriftPolicy driftPolicy(Environment env) {
        DriftPolicy d = DriftPolicy.DEFAULT;
        DriftPolicy p = new DriftPolicy(env.getProperty(PREFIX + "version", d.version()),
                env.getProperty(PREFIX + "reference-sessions", Integer.class, d.referenceSessions()),
                env.getProperty(PREFIX + "current-sessions", Integer.class, d.currentSessions()),
                env.getProperty(PREFIX + "alpha", Double.class, d.alpha()),
                env.getProperty(PREFIX + "pooled-ks-max-reference-values", Integer.class, d.pooledKsMaxReferenceValues()),
                env.getProperty(PREFIX + "pooled-p-value-threshold", Double.class, d.pooledPValueThreshold()),
                env.getProperty(PREFIX + "wasserstein-threshold", Double.class, d.wassersteinThreshold()),
                env.getProperty(PREFIX + "jensen-shannon-threshold", Double.class, d.jensenShannonThreshold()),
                env.getProperty(PREFIX + "permutations", Integer.class, d.permutations()),
                env.getProperty(PREFIX + "max-values-per-session-feature", Integer.class, d.maxValuesPerSessionFeature()),
                env.getProperty(PREFIX + "histogram-bins", Integer.class, d.histogramBins()));
        if (p.version().equals(d.version()) && !p.equals(d)) {
            throw new IllegalArgumentException("sightline.monitoring.drift.* changes the drift policy but keeps version " + d.version()
                    + ": set sightline.monitoring.drift.version to a new name, so findings say which configuration made them");
        }
        return p;
    }
}
