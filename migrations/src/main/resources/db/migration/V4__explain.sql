-- Explainability: what the "alerts" processor keeps besides the alerts table (V2). Everything here
-- is rebuildable by resetting that processor.

-- Fleet and vehicle of each session, from its DriveSessionStarted. The alerts processor keeps its
-- own copy: processors run independently, so the sessions projection may not have the row yet.
create table alert_sessions (
    session_id        varchar(255) primary key,
    fleet_id          varchar(255) not null,
    vehicle_id        varchar(255) not null,
    policy_version    varchar(255) not null,
    started_at_nanos  bigint       not null,
    started_event_id  varchar(255) not null
);

-- Every ModelActivated by session and sha256: the causal trace names the exact weights behind a
-- detection without scanning the session for its activation.
create table session_models (
    session_id     varchar(255) not null,
    model_sha256   varchar(255) not null,
    global_index   bigint       not null,
    event_id       varchar(255) not null,
    model_name     varchar(255) not null,
    model_version  varchar(255) not null,
    primary key (session_id, model_sha256, global_index)
);

alter table alerts add column cleared_reason    varchar(255);
alter table alerts add column reviewer          varchar(255);
alter table alerts add column reviewed_at_nanos bigint;

-- The investigator's list of a session's alerts, and what-if windows.
create index ix_alerts_session_time on alerts (session_id, raised_at_nanos);
