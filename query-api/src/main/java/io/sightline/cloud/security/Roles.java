package io.sightline.cloud.security;

/** The roles of the API. Tokens carry them in the {@code roles} claim; never rename one. */
public final class Roles {

    /** Reads alerts and traces, writes reviews and missed-event reports. */
    public static final String INVESTIGATOR = "investigator";
    /** Takes tamper-evident audit exports. */
    public static final String AUDITOR = "auditor";
    /** Subscribes to live event and alert streams. */
    public static final String SAFETY_APP = "safety-app";
    /** Replays projections and manages device keys. */
    public static final String ADMIN = "admin";
    /**
     * A vehicle, by its device key, never by a token (ADR-0042): reads its fleet's assignments and the registry's
     * artifacts. Not in the {@link #ROLES_CLAIM} of any token.
     */
    public static final String DEVICE = "device";

    public static final String ROLES_CLAIM = "roles";
    public static final String FLEET_CLAIM = "fleet";

    private Roles() {
    }
}
