package io.sightline.explain.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.LatencyRegressionDetected;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventSummariesLatencyTest {

    @Test
    void aLatencyRegressionSaysWhatRoseByHowMuchAgainstWhatAndWhere() {
        LatencyRegressionDetected l = new LatencyRegressionDetected("f", "fleet-a", "31cb14c017fce347cb4c846ec62fdf00d76bb3beecdf4be21e7116ac67feb880",
                "0.2.0", "detect", "latency-cusum-1", 20, 10_000, 200, 11_000, 6.0, 3.0, 1.0, 3.0, List.of("s1", "s2"),
                List.of(11_000L, 11_000L), 1L, List.of("w1"));
        String s = EventSummaries.summarize(l);
        assertThat(s).startsWith("detect p95 11").contains("over 2 sessions", "vs 10", "+10", "CUSUM 6", "> 3", "0.2.0", "fleet-a",
                "latency-cusum-1");
    }
}
