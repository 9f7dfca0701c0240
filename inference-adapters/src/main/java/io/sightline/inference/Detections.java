package io.sightline.inference;

import java.util.ArrayList;
import java.util.List;

/**
 * Reusable, allocation-free result of one {@link Detector#detect} call: parallel primitive arrays,
 * valid until the next call on the same detector. Boxes are in source-frame pixels.
 */
public final class Detections {
    private final String[] classNames;
    private int count;
    public final int[] classId;
    public final float[] score;
    public final float[] x1;
    public final float[] y1;
    public final float[] x2;
    public final float[] y2;

    public Detections(int capacity, List<String> classNames) {
        this.classNames = classNames.toArray(new String[0]);
        classId = new int[capacity];
        score = new float[capacity];
        x1 = new float[capacity];
        y1 = new float[capacity];
        x2 = new float[capacity];
        y2 = new float[capacity];
    }

    public int count() {
        return count;
    }

    public int capacity() {
        return score.length;
    }

    public void clear() {
        count = 0;
    }

    /** Appends one detection; returns false (and drops it) when full. */
    public boolean add(int cls, float s, float bx1, float by1, float bx2, float by2) {
        if (count == score.length) {
            return false;
        }
        classId[count] = cls;
        score[count] = s;
        x1[count] = bx1;
        y1[count] = by1;
        x2[count] = bx2;
        y2[count] = by2;
        count++;
        return true;
    }

    public String className(int i) {
        int c = classId[i];
        return c >= 0 && c < classNames.length ? classNames[c] : "class" + c;
    }

    public Detection get(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException(i);
        }
        return new Detection(classId[i], className(i), score[i], x1[i], y1[i], x2[i], y2[i]);
    }

    /** Immutable copy (allocates; not for the hot path). */
    public List<Detection> toList() {
        List<Detection> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(get(i));
        }
        return out;
    }

    public void copyFrom(Detections other) {
        int n = Math.min(other.count, score.length);
        System.arraycopy(other.classId, 0, classId, 0, n);
        System.arraycopy(other.score, 0, score, 0, n);
        System.arraycopy(other.x1, 0, x1, 0, n);
        System.arraycopy(other.y1, 0, y1, 0, n);
        System.arraycopy(other.x2, 0, x2, 0, n);
        System.arraycopy(other.y2, 0, y2, 0, n);
        count = n;
    }
}
