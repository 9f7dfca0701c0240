package io.sightline.app;

/** A one-line progress bar on a terminal; periodic plain lines when output is redirected. */
public final class Progress {

    private static final int WIDTH = 30;
    private final String label;
    private final long total;
    private final boolean terminal = System.console() != null;
    private final long startNanos = System.nanoTime();
    private long lastPrintNanos;

    public Progress(String label, long total) {
        this.label = label;
        this.total = Math.max(1, total);
    }

    public void update(long done) {
        long now = System.nanoTime();
        long interval = terminal ? 100_000_000L : 5_000_000_000L;
        if (now - lastPrintNanos < interval && done < total) {
            return;
        }
        lastPrintNanos = now;
        double fraction = Math.min(1.0, done / (double) total);
        double rate = done / Math.max(1e-9, (now - startNanos) / 1e9);
        if (terminal) {
            int filled = (int) (fraction * WIDTH);
            System.out.printf("\r%s [%s%s] %3.0f%% %,d/%,d (%,.0f/s)", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
                    fraction * 100, done, total, rate);
        } else {
            System.out.printf("%s %3.0f%% %,d/%,d (%,.0f/s)%n", label, fraction * 100, done, total, rate);
        }
        System.out.flush();
    }

    public void done() {
        if (terminal) {
            System.out.println();
        }
    }
}
