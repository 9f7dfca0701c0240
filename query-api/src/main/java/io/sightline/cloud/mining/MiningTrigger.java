package io.sightline.cloud.mining;

/**
 * One reason a frame is worth labelling. The miner hands every trigger each session in scope; a
 * trigger names the frames it finds with a weight, a sentence and the ids an investigator opens the
 * causal trace with. Adding a trigger is one Spring bean implementing this (docs/mining.md): the
 * miner, the API, the exports and the manifest pick it up by {@link #name()}.
 */
public interface MiningTrigger {

    /** Stable, kebab-case: it is written into manifests and API answers. */
    String name();

    /**
     * Whether this trigger reads a human verdict (a reviewed false positive, a reported miss). The
     * enrichment figure is also computed without these, so it shows what the automatic triggers find
     * before anyone has reviewed anything.
     */
    default boolean reviewBacked() {
        return false;
    }

    void scan(MinedSession session, Hits hits);

    /** Where a trigger records what it found. */
    interface Hits {

        /**
         * @param frameEventId the FrameCaptured's event id
         * @param weight       rank contribution; a frame's score is the sum over triggers of each trigger's largest weight
         * @param alertId      the alert whose trace this is, or null
         * @param eventIds     the events that make the reason (first the deciding one), for the trace
         */
        void add(String frameEventId, double weight, String reason, String alertId, java.util.List<String> eventIds);
    }
}
