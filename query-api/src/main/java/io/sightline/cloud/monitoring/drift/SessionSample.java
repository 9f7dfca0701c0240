package io.sightline.cloud.monitoring.drift;

import java.util.List;
import java.util.Map;

/**
 * What the drift monitor keeps of one ended session: its scopes, its time span, and per feature a
 * bounded sample of values (numeric) or counts (categorical).
 *
 * @param modelSha256     the session's primary model
 * @param summaryEventIds its EdgeWindowSummarized events, which a finding names as causes
 */
public record SessionSample(
        String sessionId,
        String fleetId,
        String vehicleId,
        String modelSha256,
        long startedAtNanos,
        long endedAtNanos,
        Map<String, double[]> numeric,
        Map<String, Map<String, Long>> categorical,
        List<String> summaryEventIds) {

    public SessionSample {
        numeric = Map.copyOf(numeric);
        categorical = Map.copyOf(categorical);
        summaryEventIds = List.copyOf(summaryEventIds);
    }

    public double[] values(DriftFeature f) {
        double[] v = numeric.get(f.id());
        return v == null ? new double[0] : v;
    }

    public Map<String, Long> counts(DriftFeature f) {
        Map<String, Long> c = categorical.get(f.id());
        return c == null ? Map.of() : c;
    }
}
