package io.sightline.uplink.journal;

/**
 * Back-pressure: unacknowledged events alone fill the journal's budget, so the append was refused
 * and nothing from it stored. Acknowledged events were already deleted; the rest may not be.
 */
public class JournalFullException extends JournalException {

    private final long usedBytes;
    private final long budgetBytes;
    private final long unackedEvents;

    public JournalFullException(long usedBytes, long budgetBytes, long unackedEvents) {
        super("The edge journal is full: " + usedBytes + " bytes used of a " + budgetBytes + " byte budget, held by "
                + unackedEvents + " events the cloud has not acknowledged yet, which are never deleted. The append was refused."
                + " Restore the uplink so the cloud can acknowledge them, or raise the journal budget.");
        this.usedBytes = usedBytes;
        this.budgetBytes = budgetBytes;
        this.unackedEvents = unackedEvents;
    }

    public long usedBytes() {
        return usedBytes;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    public long unackedEvents() {
        return unackedEvents;
    }
}
