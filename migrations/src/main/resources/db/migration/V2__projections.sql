-- Projection tables. Each is rebuildable from domain_event_entry by a processor reset.

create table sessions (
    session_id          varchar(255) primary key,
    fleet_id            varchar(255) not null,
    vehicle_id          varchar(255) not null,
    device_id           varchar(255) not null,
    software_version    varchar(255) not null,
    policy_version      varchar(255) not null,
    calibration_id      varchar(255),
    started_at_nanos    bigint       not null,
    ended_at_nanos      bigint,
    end_reason          varchar(255),
    event_count         bigint       not null default 0,
    last_global_index   bigint       not null
);
create index ix_sessions_fleet_vehicle on sessions (fleet_id, vehicle_id, started_at_nanos);

-- Lineage index: one row per (event, cause). The causal-trace walk reads it backwards.
create table trace_edges (
    event_id      varchar(255) not null,
    cause_id      varchar(255) not null,
    event_type    varchar(255) not null,
    session_id    varchar(255) not null,
    global_index  bigint       not null,
    primary key (event_id, cause_id)
);
create index ix_trace_edges_cause on trace_edges (cause_id);

create table alerts (
    alert_id         varchar(255) primary key,
    event_id         varchar(255) not null,
    session_id       varchar(255) not null,
    fleet_id         varchar(255) not null,
    vehicle_id       varchar(255) not null,
    kind             varchar(64)  not null,
    level            varchar(64)  not null,
    track_id         varchar(255),
    policy_version   varchar(255) not null,
    raised_at_nanos  bigint       not null,
    cleared_at_nanos bigint,
    verdict          varchar(64),
    global_index     bigint       not null
);
create index ix_alerts_fleet_time on alerts (fleet_id, raised_at_nanos);
