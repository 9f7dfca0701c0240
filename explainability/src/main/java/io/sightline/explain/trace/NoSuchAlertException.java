package io.sightline.explain.trace;

/** No AlertRaised is stored under that alert id. */
public class NoSuchAlertException extends RuntimeException {

    private final String alertId;

    public NoSuchAlertException(String alertId) {
        super("no AlertRaised stored for alert " + alertId);
        this.alertId = alertId;
    }

    public String alertId() {
        return alertId;
    }
}
