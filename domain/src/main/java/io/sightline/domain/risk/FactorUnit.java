package io.sightline.domain.risk;

/**
 * The SI unit of a factor's value and threshold; the symbol is what events record, the key suffix
 * is how a threshold key names its unit ({@code forwardCollision.ttcRaiseS}, {@code …corridorMarginM}).
 */
public enum FactorUnit {
    SECONDS("s", "S"),
    METRES("m", "M"),
    METRES_PER_SECOND("m/s", "Mps"),
    METRES_PER_SECOND_SQUARED("m/s2", "Mps2");

    private final String symbol;
    private final String keySuffix;

    FactorUnit(String symbol, String keySuffix) {
        this.symbol = symbol;
        this.keySuffix = keySuffix;
    }

    public String symbol() {
        return symbol;
    }

    /** How a threshold key in this unit ends. */
    public String keySuffix() {
        return keySuffix;
    }

    /**
     * Whether {@code thresholdKey} is in this unit: it ends with this suffix and not with a longer
     * one that contains it ({@code …Mps2} is not metres per second, {@code …Mps} is not metres).
     */
    public boolean matchesKey(String thresholdKey) {
        return thresholdKey != null && unitOfKey(thresholdKey) == this;
    }

    /** The unit a threshold key names by its suffix, or null when it names none. */
    public static FactorUnit unitOfKey(String thresholdKey) {
        if (thresholdKey == null) {
            return null;
        }
        if (thresholdKey.endsWith("Mps2")) {
            return METRES_PER_SECOND_SQUARED;
        }
        if (thresholdKey.endsWith("Mps")) {
            return METRES_PER_SECOND;
        }
        if (thresholdKey.endsWith("M")) {
            return METRES;
        }
        if (thresholdKey.endsWith("S")) {
            return SECONDS;
        }
        return null;
    }
}
