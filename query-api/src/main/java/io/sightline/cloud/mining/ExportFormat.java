package io.sightline.cloud.mining;

import java.util.Arrays;
import java.util.Locale;

/** The training formats a mining run is exported in, by the names the field uses. */
public enum ExportFormat {
    COCO,
    YOLO,
    MOT;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ExportFormat parse(String s) {
        for (ExportFormat f : values()) {
            if (f.id().equals(s)) {
                return f;
            }
        }
        throw new IllegalArgumentException("format must be one of " + Arrays.stream(values()).map(ExportFormat::id).toList() + ", got '"
                + s + "'");
    }
}
