package io.sightline.domain.risk;

/** What part a factor plays in its rule's decision (docs/risk-policy.md §3). */
public enum FactorRole {
    /** What the rule is about (TTC, time gap and how long it lasted). */
    HAZARD,
    /** Whether the object is in the ego path; an object outside is no hazard, so not a suppression either. */
    PATH,
    /** Ego speed and confidence: a failing gate with hazard and path holding is a recorded suppression. */
    GATE,
    /** Recorded for the explanation only; it never decides, so a what-if on its reference changes nothing. */
    INFORMATIONAL;

    public boolean decisive() {
        return this != INFORMATIONAL;
    }
}
