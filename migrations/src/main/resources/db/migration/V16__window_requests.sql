-- Windows of a session asked for on demand (ADR-0027): one row per request, answered by the vehicle
-- over MQTT (UPLOADED, GONE when retention already deleted the window, FAILED when the cloud refused
-- its batch), or NOT_DELIVERED when this cloud has no broker to reach vehicles through.
create table window_requests (
    request_id          varchar(64)  primary key,
    session_id          varchar(255) not null,
    fleet_id            varchar(255) not null,
    vehicle_id          varchar(255) not null,
    from_nanos          bigint       not null,
    to_nanos            bigint       not null,
    requested_by        varchar(255) not null,
    requested_at_nanos  bigint       not null,
    status              varchar(32)  not null,
    answered_at_nanos   bigint,
    uploaded_events     bigint,
    first_sequence      bigint,
    last_sequence       bigint,
    detail              text
);
create index ix_window_requests_session on window_requests (session_id, requested_at_nanos);
