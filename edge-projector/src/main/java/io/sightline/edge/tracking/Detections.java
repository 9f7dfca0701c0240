package io.sightline.edge.tracking;

/**
 * Reusable per-frame detection input: top-left boxes in pixels and scores in [0, 1]. Call
 * {@link #clear()} then {@link #add} for each detection; the index of a detection is the order
 * it was added, and it is what {@link TrackerOutput#detectionIndex(int)} refers to. Arrays grow
 * (an allocation) only when a frame has more detections than ever before.
 */
public final class Detections {

    private double[] xPx;
    private double[] yPx;
    private double[] widthPx;
    private double[] heightPx;
    private double[] score;
    private int count;

    public Detections(int initialCapacity) {
        int c = Math.max(1, initialCapacity);
        xPx = new double[c];
        yPx = new double[c];
        widthPx = new double[c];
        heightPx = new double[c];
        score = new double[c];
    }

    public void clear() {
        count = 0;
    }

    /** Adds a detection and returns its index. */
    public int add(double leftPx, double topPx, double widthPx, double heightPx, double score) {
        if (count == xPx.length) {
            grow();
        }
        xPx[count] = leftPx;
        yPx[count] = topPx;
        this.widthPx[count] = widthPx;
        this.heightPx[count] = heightPx;
        this.score[count] = score;
        return count++;
    }

    private void grow() {
        int c = xPx.length * 2;
        xPx = java.util.Arrays.copyOf(xPx, c);
        yPx = java.util.Arrays.copyOf(yPx, c);
        widthPx = java.util.Arrays.copyOf(widthPx, c);
        heightPx = java.util.Arrays.copyOf(heightPx, c);
        score = java.util.Arrays.copyOf(score, c);
    }

    public int size() {
        return count;
    }

    public double leftPx(int i) {
        return xPx[i];
    }

    public double topPx(int i) {
        return yPx[i];
    }

    public double widthPx(int i) {
        return widthPx[i];
    }

    public double heightPx(int i) {
        return heightPx[i];
    }

    public double score(int i) {
        return score[i];
    }
}
