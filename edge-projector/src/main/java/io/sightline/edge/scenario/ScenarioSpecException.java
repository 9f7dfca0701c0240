package io.sightline.edge.scenario;

/** A scenario file that does not follow the spec; the message names the file, the field and why. */
public final class ScenarioSpecException extends Exception {

    private final String field;

    public ScenarioSpecException(String source, String field, String why) {
        super(source + ": field '" + field + "' " + why);
        this.field = field;
    }

    public ScenarioSpecException(String source, String message, Throwable cause) {
        super(source + ": " + message, cause);
        this.field = null;
    }

    /** The JSON path of the offending field (e.g. {@code actors[0].widthM}), or null for a syntax error. */
    public String field() {
        return field;
    }
}
