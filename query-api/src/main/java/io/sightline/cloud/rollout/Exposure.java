package io.sightline.cloud.rollout;

import java.util.List;

/**
 * The exposure the rate gates divide by (ADR-0044), one rule for all of them: a session whose speed
 * was sampled counts its hours of speed-integrated driving ({@link GateContext.SessionStats#DRIVING}),
 * one without samples its span ({@link GateContext.SessionStats#SPAN}), and one whose driving time the
 * sessions projection has not finished ({@link GateContext.SessionStats#PENDING}) is left out until it
 * has, so no gate judges a half-projected driving time or flips a session between the two measures.
 */
final class Exposure {

    private Exposure() {
    }

    /** The sessions whose exposure is known: every one but those waiting for the sessions projection. */
    static List<GateContext.SessionStats> known(List<GateContext.SessionStats> sessions) {
        return sessions.stream().filter(s -> !GateContext.SessionStats.PENDING.equals(s.exposure())).toList();
    }

    /** The sessions with exposure to divide by: known, and some time driven (a per-session rate needs it). */
    static List<GateContext.SessionStats> counted(List<GateContext.SessionStats> sessions) {
        return known(sessions).stream().filter(s -> s.exposureHours() > 0).toList();
    }

    static long awaiting(List<GateContext.SessionStats> sessions) {
        return sessions.stream().filter(s -> GateContext.SessionStats.PENDING.equals(s.exposure())).count();
    }

    static long driving(List<GateContext.SessionStats> sessions) {
        return sessions.stream().filter(s -> GateContext.SessionStats.DRIVING.equals(s.exposure())).count();
    }

    static double hours(List<GateContext.SessionStats> sessions) {
        return sessions.stream().mapToDouble(GateContext.SessionStats::exposureHours).sum();
    }

    /** Which exposure the canary's and the control's rates used, in words, for a gate's detail. */
    static String describe(List<GateContext.SessionStats> canary, List<GateContext.SessionStats> control) {
        long d = driving(canary) + driving(control);
        long n = canary.size() + control.size();
        if (n > 0 && d == n) {
            return "exposure: speed-integrated driving time of every session";
        }
        if (d == 0) {
            return "exposure: session span (no session sampled its speed)";
        }
        return "exposure: speed-integrated driving time for " + driving(canary) + " of " + canary.size() + " canary"
                + (control.isEmpty() ? "" : " and " + driving(control) + " of " + control.size() + " control") + " sessions, session span for the rest";
    }
}
