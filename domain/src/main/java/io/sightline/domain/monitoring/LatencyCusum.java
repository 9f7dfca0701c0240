package io.sightline.domain.monitoring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The latency-regression detector of one key (fleet, model sha256, software version, stage): a
 * one-sided CUSUM of per-session p95s against a reference of the key's first sessions (ADR-0023).
 * Pure: a {@link State} in, a {@link Step} out, so the cloud processor can keep the state in a
 * table and a replay of the same sessions in the same order reaches the same verdicts.
 *
 * <p>Phases: the first {@link LatencyDetectorConfig#referenceSessions()} sessions form the
 * reference ({@link Phase#REFERENCE}: not enough data, no verdict); then each session moves the
 * statistic ({@link Phase#MONITORING}). An alarm starts a new reference from the next session:
 * the regressed latency is the new normal that later sessions are held to, so one lasting
 * regression is one finding, not one every other session.
 */
public final class LatencyCusum {

    /** 1 / Φ⁻¹(3/4): makes the median absolute deviation a consistent estimate of a normal spread. */
    public static final double MAD_TO_SIGMA = 1.4826;
    /** Sessions of the current run kept for a finding (most recent); a run that long is a slow creep. */
    public static final int MAX_RUN_SESSIONS = 64;

    public enum Phase { REFERENCE, MONITORING }

    /**
     * @param reference        the reference sessions' p95s, in arrival order (fewer than N while collecting)
     * @param referenceMedianMicros median of the reference, 0 while collecting
     * @param referenceScaleMicros  robust spread of the reference (floored), 0 while collecting
     * @param statistic        the CUSUM, in reference spreads
     * @param runSessionIds    the sessions since the statistic last stood at 0: those pushing it up
     * @param runP95Micros     their p95s
     * @param sessionsObserved every session the key has seen, reference ones included
     */
    public record State(List<Long> reference, double referenceMedianMicros, double referenceScaleMicros, double statistic,
                        List<String> runSessionIds, List<Long> runP95Micros, long sessionsObserved) {
        public State {
            reference = List.copyOf(reference);
            runSessionIds = List.copyOf(runSessionIds);
            runP95Micros = List.copyOf(runP95Micros);
        }

        public static State initial() {
            return new State(List.of(), 0, 0, 0, List.of(), List.of(), 0);
        }

        public Phase phase(LatencyDetectorConfig config) {
            return reference.size() < config.referenceSessions() ? Phase.REFERENCE : Phase.MONITORING;
        }
    }

    /**
     * A regression: the statistic passed the threshold.
     *
     * @param currentP95Micros median p95 of the sessions that tripped it
     * @param margin           statistic − threshold, in reference spreads (> 0)
     */
    public record Alarm(long referenceP95Micros, long referenceScaleMicros, long currentP95Micros, double statistic, double threshold,
                        double margin, List<String> sessionIds, List<Long> sessionP95Micros) {
        public Alarm {
            sessionIds = List.copyOf(sessionIds);
            sessionP95Micros = List.copyOf(sessionP95Micros);
        }
    }

    /**
     * One session's effect.
     *
     * @param phase     the phase the session was judged in (REFERENCE: it joined the reference)
     * @param zScore    (p95 − median) / scale, NaN in the reference phase
     * @param statistic the CUSUM after it (at the alarm's value when it alarmed)
     * @param alarm     the finding, or null
     */
    public record Step(State state, Phase phase, double zScore, double statistic, Alarm alarm) {
    }

    private LatencyCusum() {
    }

    public static Step observe(LatencyDetectorConfig config, State state, String sessionId, long p95Micros) {
        if (p95Micros < 0) {
            throw new IllegalArgumentException("a p95 is a duration >= 0, got " + p95Micros + " µs");
        }
        long observed = state.sessionsObserved() + 1;
        if (state.phase(config) == Phase.REFERENCE) {
            List<Long> reference = new ArrayList<>(state.reference());
            reference.add(p95Micros);
            double median = 0;
            double scale = 0;
            if (reference.size() == config.referenceSessions()) {
                median = median(reference.stream().mapToDouble(Long::doubleValue).toArray());
                scale = scale(config, reference, median);
            }
            State next = new State(reference, median, scale, 0, List.of(), List.of(), observed);
            return new Step(next, Phase.REFERENCE, Double.NaN, 0, null);
        }
        double z = (p95Micros - state.referenceMedianMicros()) / state.referenceScaleMicros();
        double s = Math.max(0, state.statistic() + Math.min(z, config.clipSigmas()) - config.allowanceSigmas());
        List<String> runIds = new ArrayList<>();
        List<Long> runP95 = new ArrayList<>();
        if (s > 0) {
            runIds.addAll(state.runSessionIds());
            runP95.addAll(state.runP95Micros());
            runIds.add(sessionId);
            runP95.add(p95Micros);
            while (runIds.size() > MAX_RUN_SESSIONS) {
                runIds.remove(0);
                runP95.remove(0);
            }
        }
        if (s > config.thresholdSigmas()) {
            long current = Math.round(median(runP95.stream().mapToDouble(Long::doubleValue).toArray()));
            Alarm alarm = new Alarm(Math.round(state.referenceMedianMicros()), Math.round(state.referenceScaleMicros()), current, s,
                    config.thresholdSigmas(), s - config.thresholdSigmas(), runIds, runP95);
            State rereference = new State(List.of(), 0, 0, 0, List.of(), List.of(), observed);
            return new Step(rereference, Phase.MONITORING, z, s, alarm);
        }
        State next = new State(state.reference(), state.referenceMedianMicros(), state.referenceScaleMicros(), s, runIds, runP95, observed);
        return new Step(next, Phase.MONITORING, z, s, null);
    }

    /** 1.4826 × MAD, floored at {@code minRelativeScale} × median and at 1 µs (HdrHistogram's resolution here). */
    static double scale(LatencyDetectorConfig config, List<Long> reference, double median) {
        double[] deviations = reference.stream().mapToDouble(v -> Math.abs(v - median)).toArray();
        double mad = median(deviations);
        return Math.max(Math.max(MAD_TO_SIGMA * mad, config.minRelativeScale() * median), 1.0);
    }

    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("the median of nothing");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }
}
