package io.sightline.domain.risk;

/** How a factor's value is compared with its threshold; the symbol is what events record. */
public enum Comparison {
    LESS("<"),
    LESS_OR_EQUAL("<="),
    GREATER(">"),
    GREATER_OR_EQUAL(">=");

    private final String symbol;

    Comparison(String symbol) {
        this.symbol = symbol;
    }

    /** The recorded form, e.g. {@code <=}: a constant, so the edge hot path passes it without allocating. */
    public String symbol() {
        return symbol;
    }

    public boolean holds(double value, double threshold) {
        return switch (this) {
            case LESS -> value < threshold;
            case LESS_OR_EQUAL -> value <= threshold;
            case GREATER -> value > threshold;
            case GREATER_OR_EQUAL -> value >= threshold;
        };
    }

    /** Signed distance to flipping, in the factor's unit; positive means the condition holds. */
    public double margin(double value, double threshold) {
        return this == LESS || this == LESS_OR_EQUAL ? threshold - value : value - threshold;
    }
}
