package io.sightline.inference.cli;

import io.sightline.domain.event.DetectionObserved;
import java.util.List;

import io.sightline.inference.Detections;

import java.util.Locale;

/** Minimal JSON writing for detections (no allocation beyond the StringBuilder). */
public final class Json {
    private Json() {
    }

    public static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    public static void number(StringBuilder sb, double v, int decimals) {
        double f = Math.pow(10, decimals);
        double r = Math.round(v * f) / f;
        if (r == Math.rint(r)) {
            sb.append((long) r).append(".0");
        } else {
            sb.append(r);
        }
    }

    /** [{"class":"car","score":0.884,"box":[x1,y1,x2,y2]},…] */
    public static void detections(StringBuilder sb, Detections d) {
        sb.append('[');
        for (int i = 0; i < d.count(); i++) {
            if (i > 0) sb.append(',');
            sb.append("{\"class\":");
            string(sb, d.className(i));
            sb.append(",\"score\":");
            number(sb, d.score[i], 4);
            sb.append(",\"box\":[");
            number(sb, d.x1[i], 1);
            sb.append(',');
            number(sb, d.y1[i], 1);
            sb.append(',');
            number(sb, d.x2[i], 1);
            sb.append(',');
            number(sb, d.y2[i], 1);
            sb.append("]}");
        }
        sb.append(']');
    }

    /** The same array, from the detections' events (their boxes and scores are the detector's, unchanged). */
    public static void detections(StringBuilder sb, List<DetectionObserved> detections) {
        sb.append('[');
        for (int i = 0; i < detections.size(); i++) {
            DetectionObserved d = detections.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"class\":");
            string(sb, d.className());
            sb.append(",\"score\":");
            number(sb, d.score(), 4);
            sb.append(",\"box\":[");
            number(sb, d.boxPx().x1(), 1);
            sb.append(',');
            number(sb, d.boxPx().y1(), 1);
            sb.append(',');
            number(sb, d.boxPx().x2(), 1);
            sb.append(',');
            number(sb, d.boxPx().y2(), 1);
            sb.append("]}");
        }
        sb.append(']');
    }
}
