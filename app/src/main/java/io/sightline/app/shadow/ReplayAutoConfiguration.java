package io.sightline.app.shadow;

import io.sightline.cloud.rollout.WindowReplayer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Gives a cloud started from this application (./sightline cloud, the app's tests) the window
 * replayer: the query-api module has no decoder or detector, this module has the edge's (ADR-0040).
 */
@AutoConfiguration
public class ReplayAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(WindowReplayer.class)
    public ClipWindowReplayer windowReplayer() {
        return new ClipWindowReplayer();
    }
}
