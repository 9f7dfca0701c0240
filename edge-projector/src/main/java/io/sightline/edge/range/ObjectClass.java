package io.sightline.edge.range;

/**
 * Road-user classes the safety core understands, by their COCO (Darknet) names, with the width
 * prior used for known-width ranging. Sources of the priors are in {@code docs/risk-policy.md}
 * ("Width priors"). The spread is one standard deviation of the class's rear-view width: it is
 * what makes the known-width range weigh less for classes whose width varies a lot.
 */
public enum ObjectClass {
    /** Adult shoulder breadth seen from front or back. */
    PERSON("person", 0.50, 0.10, true),
    /** Handlebar width from behind; broadside a bicycle is ~1.7 m long, hence the wide spread. */
    BICYCLE("bicycle", 0.60, 0.30, true),
    /** Passenger-car body width without mirrors. */
    CAR("car", 1.80, 0.15, false),
    /** Handlebar width of a motorcycle seen from behind. */
    MOTORBIKE("motorbike", 0.80, 0.20, false),
    /** EU and US legal maximum width, which city and coach buses are built to. */
    BUS("bus", 2.55, 0.10, false),
    /** COCO "truck" includes pickups (~2.0 m) as well as heavy goods vehicles (2.55 m). */
    TRUCK("truck", 2.30, 0.30, false),
    /** Anything else: no width prior, so no known-width range. */
    OTHER("other", Double.NaN, Double.NaN, false),
    /**
     * A stop sign's face: 750 mm across flats is the US conventional-road size (MUTCD R1-1,
     * 30 in) and within the 600–900 mm of the Vienna Convention's B2a; the spread covers the
     * 600 mm and 900 mm signs. It stands on a post, so its box bottom is not on the road and it is
     * ranged by its width alone. Last, so the ordinals of the classes before it never change.
     */
    STOP_SIGN("stop sign", 0.75, 0.15, false);

    private final String cocoName;
    private final double widthM;
    private final double widthSigmaM;
    private final boolean vulnerable;

    ObjectClass(String cocoName, double widthM, double widthSigmaM, boolean vulnerable) {
        this.cocoName = cocoName;
        this.widthM = widthM;
        this.widthSigmaM = widthSigmaM;
        this.vulnerable = vulnerable;
    }

    public String cocoName() {
        return cocoName;
    }

    /** Prior width, m; NaN for {@link #OTHER}. */
    public double widthM() {
        return widthM;
    }

    /** One standard deviation of the width prior, m; NaN for {@link #OTHER}. */
    public double widthSigmaM() {
        return widthSigmaM;
    }

    /** Pedestrians and cyclists: the vulnerable-road-user rule applies to them. */
    public boolean isVulnerable() {
        return vulnerable;
    }

    /** Motor vehicles: the forward-collision and following-distance rules apply to them. */
    public boolean isVehicle() {
        return this == CAR || this == MOTORBIKE || this == BUS || this == TRUCK;
    }

    public boolean hasWidthPrior() {
        return this != OTHER;
    }

    /** Whether the box bottom is where the object meets the road, for the ground-plane range. */
    public boolean touchesGround() {
        return this != STOP_SIGN;
    }

    /** The class for a detector label; "motorcycle" (COCO's own spelling) is accepted too. */
    public static ObjectClass fromCocoName(String name) {
        if (name == null) {
            return OTHER;
        }
        switch (name) {
            case "person": return PERSON;
            case "bicycle": return BICYCLE;
            case "car": return CAR;
            case "motorbike":
            case "motorcycle": return MOTORBIKE;
            case "bus": return BUS;
            case "truck": return TRUCK;
            case "stop sign": return STOP_SIGN;
            default: return OTHER;
        }
    }
}
