-- Camera-health episodes for monitoring (issue 16 §4, §6): one row per CameraObstructed, closed by its CameraRestored.
-- V12 is the latency-regression monitor's.

-- The fleet and vehicle of each session, so an episode row carries them (the events themselves name only the session).
create table camera_health_sessions (
    session_id text primary key,
    fleet_id   text not null,
    vehicle_id text not null
);

create table camera_episodes (
    obstruction_id        text primary key,
    obstructed_event_id   text not null,
    session_id            text not null,
    fleet_id              text not null,
    vehicle_id            text not null,
    condition             text not null,
    since_frame_index     bigint not null,
    confirmed_frame_index bigint not null,
    statistic             text not null,
    statistic_value       double precision not null,
    threshold_value       double precision not null,
    margin                double precision not null,
    policy_version        text not null,
    obstructed_at_nanos   bigint not null,
    restored_event_id     text,
    restored_at_nanos     bigint,
    obstructed_for_nanos  bigint
);
create index camera_episodes_fleet on camera_episodes (fleet_id, obstructed_at_nanos);
