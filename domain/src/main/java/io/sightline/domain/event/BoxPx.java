package io.sightline.domain.event;

/** An axis-aligned box in source-frame pixels, corners (x1,y1) top-left and (x2,y2) bottom-right. */
public record BoxPx(double x1, double y1, double x2, double y2) {

    public BoxPx {
        if (!Double.isFinite(x1) || !Double.isFinite(y1) || !Double.isFinite(x2) || !Double.isFinite(y2)) {
            throw new IllegalArgumentException("box corners must be finite, got " + x1 + "," + y1 + "," + x2 + "," + y2);
        }
        if (x2 < x1 || y2 < y1) {
            throw new IllegalArgumentException("box has negative size: " + x1 + "," + y1 + "," + x2 + "," + y2);
        }
    }

    public double widthPx() {
        return x2 - x1;
    }

    public double heightPx() {
        return y2 - y1;
    }
}
