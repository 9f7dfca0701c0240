-- Drift monitoring (issue 16 §2, docs/monitoring.md). V10 is left to the latency-regression monitor.

-- What the drift monitor keeps of each ended session: bounded per-feature samples (SessionSample as JSON).
create table drift_session_features (
    session_id       text primary key,
    fleet_id         text not null,
    vehicle_id       text not null,
    model_sha256     text,
    started_at_nanos bigint not null,
    ended_at_nanos   bigint not null,
    sample           jsonb not null
);
create index drift_session_features_model on drift_session_features (fleet_id, model_sha256, ended_at_nanos, session_id);
create index drift_session_features_vehicle on drift_session_features (fleet_id, vehicle_id, ended_at_nanos, session_id);
create index drift_session_features_fleet on drift_session_features (fleet_id, ended_at_nanos, session_id);

-- The latest comparison per scope and feature: verdict, measurement, and the histograms the monitoring page draws.
create table drift_status (
    scope                 text not null,
    scope_key             text not null,
    feature               text not null,
    fleet_id              text not null,
    model_sha256          text,
    verdict               text not null,
    reason                text not null,
    measurement           jsonb,
    histogram             jsonb,
    reference_session_ids jsonb not null,
    current_session_ids   jsonb not null,
    evaluated_at_nanos    bigint not null,
    drift_policy_version  text not null,
    primary key (scope, scope_key, feature)
);
create index drift_status_fleet on drift_status (fleet_id);

-- Every DriftDetected, and its DriftCleared once it clears.
create table drift_findings (
    finding_id          text primary key,
    detected_event_id   text not null,
    scope               text not null,
    scope_key           text not null,
    fleet_id            text not null,
    model_sha256        text,
    feature             text not null,
    measurement         jsonb not null,
    current_session_ids jsonb not null,
    detected_at_nanos   bigint not null,
    cleared_event_id    text,
    cleared_at_nanos    bigint
);
create index drift_findings_fleet on drift_findings (fleet_id, detected_at_nanos);

-- Reference windows pinned by an administrator (DriftReferencePinned); a scope without a row uses its first sessions.
create table drift_references (
    scope            text not null,
    scope_key        text not null,
    fleet_id         text not null,
    session_ids      jsonb not null,
    pinned_event_id  text not null,
    pinned_at_nanos  bigint not null,
    primary key (scope, scope_key)
);
