package io.sightline.uplink.journal;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.uplink.VehicleSimulator;
import java.nio.file.Path;
import java.util.List;

/** Run in a separate JVM by {@link JournalCrashTest}: appends frames forever and reports each commit on stdout. */
public final class JournalCrashChild {

    private JournalCrashChild() {
    }

    public static void main(String[] args) {
        EdgeJournal journal = EdgeJournal.open(Path.of(args[0]), 1L << 30);
        VehicleSimulator sim = new VehicleSimulator("crash", "f", "v", "d", 1_764_000_000_000_000_000L, 100);
        journal.append("crash", sim.start());
        while (true) {
            List<EventEnvelope> appended = journal.append("crash", sim.frames(3));
            // Printed only after append returned, i.e. after the commit: the parent may rely on these.
            System.out.println("committed " + (appended.get(appended.size() - 1).sequence() + 1));
            System.out.flush();
        }
    }
}
