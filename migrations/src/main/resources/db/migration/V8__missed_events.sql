-- Hazards reviewers reported the system did not alert on (MissedEventReported), projected by the
-- alerts processor beside the alerts themselves, so the quality figures (GET /api/v1/quality) can
-- set false negatives against true and false positives per kind, policy version and fleet.
-- Rebuilt like the alerts table: the processor's reset handler truncates it.
create table missed_events (
    report_id          varchar(255) primary key,
    session_id         varchar(255) not null,
    fleet_id           varchar(255) not null,
    vehicle_id         varchar(255) not null,
    -- The policy the session ran, so a miss counts against the version that missed it.
    policy_version     varchar(255) not null,
    kind               varchar(64)  not null,
    occurred_at_nanos  bigint       not null,
    reporter           varchar(255),
    reported_at_nanos  bigint       not null,
    global_index       bigint       not null
);
create index ix_missed_events_fleet_time on missed_events (fleet_id, occurred_at_nanos);
