package io.sightline.domain.risk;

/** The SI unit of a factor's value and threshold; the symbol is what events record. */
public enum FactorUnit {
    SECONDS("s"),
    METRES("m"),
    METRES_PER_SECOND("m/s"),
    METRES_PER_SECOND_SQUARED("m/s2");

    private final String symbol;

    FactorUnit(String symbol) {
        this.symbol = symbol;
    }

    public String symbol() {
        return symbol;
    }
}
