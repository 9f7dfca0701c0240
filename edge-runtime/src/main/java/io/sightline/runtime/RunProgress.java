package io.sightline.runtime;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar for the run on a terminal; a plain line every few seconds when the
 * output is redirected, so logs stay readable. (Mirrors io.sightline.app.Progress, which is
 * package-private to the launcher package.)
 */
public final class RunProgress implements EdgePipeline.ProgressListener {

    private static final int WIDTH = 30;
    private static final long TERMINAL_INTERVAL_NANOS = 100_000_000L;
    private static final long REDIRECTED_INTERVAL_NANOS = 5_000_000_000L;
    private final PrintStream out;
    private final boolean terminal = System.console() != null;
    private final long startNanos = System.nanoTime();
    private long lastPrintNanos;
    private boolean printed;

    public RunProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onFrameJournaled(long done, long total) {
        long now = System.nanoTime();
        if (now - lastPrintNanos < (terminal ? TERMINAL_INTERVAL_NANOS : REDIRECTED_INTERVAL_NANOS) && done != total) {
            return;
        }
        lastPrintNanos = now;
        double fps = done / Math.max(1e-9, (now - startNanos) / 1e9);
        String line;
        if (total > 0) {
            double fraction = Math.min(1.0, done / (double) total);
            int filled = (int) (fraction * WIDTH);
            line = String.format(Locale.ROOT, "edge [%s%s] %3.0f%% %d/%d frames (%.1f frames/s)", "#".repeat(filled),
                    ".".repeat(WIDTH - filled), fraction * 100, done, total, fps);
        } else {
            line = String.format(Locale.ROOT, "edge %d frames (%.1f frames/s)", done, fps);
        }
        out.print(terminal ? "\r" + line : line + System.lineSeparator());
        out.flush();
        printed = true;
    }

    public void done() {
        if (terminal && printed) {
            out.println();
        }
    }
}
