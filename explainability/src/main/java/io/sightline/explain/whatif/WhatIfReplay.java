package io.sightline.explain.whatif;

import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import io.sightline.explain.whatif.WhatIfReport.AlertOutcome;
import io.sightline.explain.whatif.WhatIfReport.AppearingAlert;
import io.sightline.explain.whatif.WhatIfReport.DecisionChange;
import io.sightline.explain.whatif.WhatIfReport.FactorChange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs another policy version over the recorded RiskAssessed inputs of a time window and diffs the
 * decisions against what was recorded.
 *
 * <p>Alerts are compared as episodes: a run of consecutive requesting assessments of one track and
 * rule is one alert. A recorded AlertRaised is KEPT when a what-if episode of its track and rule
 * overlaps its active interval (raise to clear, or the window's end), else it DISAPPEARS; a what-if
 * episode that overlaps no recorded request of its track and rule APPEARS. Actuation (cooldown,
 * minimum on-time, rate cap, one alert per kind) is not replayed; see {@link #LIMITATIONS}.
 */
public final class WhatIfReplay {

    public static final List<String> LIMITATIONS = List.of(
            "Decisions are re-evaluated from the recorded factor values against the new thresholds with the recorded comparisons;"
                    + " the tracks, range and TTC are not re-estimated.",
            "Factors whose value depends on a threshold keep their recorded value (headway duration timer, VRU predicted lateral offset).",
            "Hysteresis (clear thresholds) and actuation (cooldown, minimum on-time, rate cap, one alert per kind) are not replayed:"
                    + " an alert is a run of consecutive requesting assessments of one track and rule.",
            "Factors the what-if policy sets no threshold for keep their recorded threshold.");

    private final EventLookup lookup;
    private final DecisionModel model;

    public WhatIfReplay(EventLookup lookup, DecisionModel model) {
        this.lookup = lookup;
        this.model = model;
    }

    public WhatIfReplay(EventLookup lookup) {
        this(lookup, new RecordedFactorDecisionModel());
    }

    private record Assessed(StoredEvent event, RiskAssessed recorded, Decision whatIf) {
        boolean recordedRequest() {
            return !"NONE".equals(recorded.level());
        }
    }

    private record Episode(String key, List<Assessed> members) {
        long startNanos() {
            return members.get(0).event().occurredAtNanos();
        }

        long endNanos() {
            return members.get(members.size() - 1).event().occurredAtNanos();
        }

        boolean overlaps(long fromNanos, long toNanos) {
            return startNanos() <= toNanos && endNanos() >= fromNanos;
        }
    }

    public WhatIfReport replay(String sessionId, long fromNanos, long toNanos, PolicyThresholds whatIf) {
        List<StoredEvent> events = lookup.sessionEvents(sessionId, fromNanos, toNanos,
                Set.of(RiskAssessed.class, AlertRaised.class, AlertCleared.class));
        long startNanos = lookup.sessionStart(sessionId).map(s -> ((DriveSessionStarted) s.payload()).startTimeNanos())
                .orElse(Long.MIN_VALUE);

        List<Assessed> assessed = new ArrayList<>();
        Map<String, Assessed> byEventId = new HashMap<>();
        List<StoredEvent> raised = new ArrayList<>();
        Map<String, Long> clearedAt = new HashMap<>();
        Set<String> versions = new LinkedHashSet<>();
        for (StoredEvent e : events) {
            if (e.payload() instanceof RiskAssessed r) {
                Assessed a = new Assessed(e, r, model.decide(r, whatIf));
                assessed.add(a);
                byEventId.put(e.eventId(), a);
                versions.add(r.policyVersion());
            } else if (e.payload() instanceof AlertRaised) {
                raised.add(e);
            } else if (e.payload() instanceof AlertCleared c) {
                clearedAt.put(c.alertId(), c.clearedAtNanos());
            }
        }

        List<DecisionChange> changes = new ArrayList<>();
        for (Assessed a : assessed) {
            if (a.recordedRequest() != a.whatIf().requested()) {
                List<FactorChange> flipped = factorChanges(a).stream()
                        .filter(f -> f.recordedTriggered() != f.whatIfTriggered()).toList();
                changes.add(new DecisionChange(a.event().eventId(), a.event().occurredAtNanos(), sessionTime(a.event().occurredAtNanos(),
                        startNanos), a.recorded().trackId(), a.recorded().ruleName(), a.recorded().level(), a.whatIf().level(), flipped));
            }
        }

        Map<String, List<Episode>> whatIfEpisodes = episodes(assessed, true);
        Map<String, List<Episode>> recordedEpisodes = episodes(assessed, false);

        List<AlertOutcome> outcomes = new ArrayList<>();
        for (StoredEvent e : raised) {
            AlertRaised alert = (AlertRaised) e.payload();
            String key = key(alert.trackId(), alert.kind());
            long until = clearedAt.getOrDefault(alert.alertId(), toNanos);
            Episode match = whatIfEpisodes.getOrDefault(key, List.of()).stream()
                    .filter(ep -> ep.overlaps(alert.raisedAtNanos(), until)).findFirst().orElse(null);
            Assessed deciding = alert.causes().stream().map(byEventId::get).filter(java.util.Objects::nonNull).findFirst().orElse(null);
            List<FactorChange> factors = deciding == null ? List.of() : factorChanges(deciding);
            if (match == null) {
                outcomes.add(new AlertOutcome(alert.alertId(), alert.kind(), alert.trackId(), alert.raisedAtNanos(),
                        sessionTime(alert.raisedAtNanos(), startNanos), WhatIfReport.Outcome.DISAPPEARS, null, Double.NaN, factors));
            } else {
                long first = match.startNanos();
                outcomes.add(new AlertOutcome(alert.alertId(), alert.kind(), alert.trackId(), alert.raisedAtNanos(),
                        sessionTime(alert.raisedAtNanos(), startNanos), WhatIfReport.Outcome.KEPT, first,
                        (first - alert.raisedAtNanos()) / 1e9, factors));
            }
        }

        List<AppearingAlert> appearing = new ArrayList<>();
        for (List<Episode> list : whatIfEpisodes.values()) {
            for (Episode ep : list) {
                boolean recordedOverlap = recordedEpisodes.getOrDefault(ep.key(), List.of()).stream()
                        .anyMatch(r -> r.overlaps(ep.startNanos(), ep.endNanos()));
                boolean alertOverlap = raised.stream().map(s -> (AlertRaised) s.payload())
                        .filter(a -> key(a.trackId(), a.kind()).equals(ep.key()))
                        .anyMatch(a -> ep.overlaps(a.raisedAtNanos(), clearedAt.getOrDefault(a.alertId(), toNanos)));
                if (!recordedOverlap && !alertOverlap) {
                    Assessed first = ep.members().get(0);
                    appearing.add(new AppearingAlert(first.recorded().ruleName(), first.recorded().trackId(), first.whatIf().level(),
                            first.event().eventId(), first.event().occurredAtNanos(), sessionTime(first.event().occurredAtNanos(), startNanos),
                            ep.members().size(), factorChanges(first)));
                }
            }
        }
        appearing.sort(java.util.Comparator.comparingLong(AppearingAlert::atNanos));
        return new WhatIfReport(sessionId, fromNanos, toNanos, versions, whatIf.version(), assessed.size(), List.copyOf(changes),
                List.copyOf(outcomes), List.copyOf(appearing), LIMITATIONS);
    }

    /** Runs of consecutive requesting assessments per track and rule, in session order. */
    private static Map<String, List<Episode>> episodes(List<Assessed> assessed, boolean whatIf) {
        Map<String, List<Episode>> out = new LinkedHashMap<>();
        Map<String, Episode> open = new HashMap<>();
        for (Assessed a : assessed) {
            String key = key(a.recorded().trackId(), a.recorded().ruleName());
            boolean requested = whatIf ? a.whatIf().requested() : a.recordedRequest();
            if (!requested) {
                open.remove(key);
                continue;
            }
            Episode ep = open.get(key);
            if (ep == null) {
                ep = new Episode(key, new ArrayList<>());
                open.put(key, ep);
                out.computeIfAbsent(key, k -> new ArrayList<>()).add(ep);
            }
            ep.members().add(a);
        }
        return out;
    }

    private static List<FactorChange> factorChanges(Assessed a) {
        List<FactorChange> out = new ArrayList<>();
        List<RiskFactor> recorded = a.recorded().factors();
        List<RiskFactor> now = a.whatIf().factors();
        for (int i = 0; i < recorded.size(); i++) {
            RiskFactor r = recorded.get(i);
            RiskFactor w = now.get(i);
            out.add(new FactorChange(r.name(), r.unit(), r.value(), r.comparison(), r.threshold(), w.threshold(), r.triggered(),
                    w.triggered(), w.margin()));
        }
        return out;
    }

    private static String key(String trackId, String rule) {
        return trackId + "|" + rule;
    }

    private static double sessionTime(long nanos, long startNanos) {
        return startNanos == Long.MIN_VALUE ? Double.NaN : (nanos - startNanos) / 1e9;
    }
}
