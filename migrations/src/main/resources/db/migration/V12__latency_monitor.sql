-- Latency regressions (issue 16 §3, ADR-0023): the latency-monitor processor's tables, rebuilt with it.
-- Numbered 12, not 10, so this branch does not collide with the drift and mining migrations being written beside it.

-- Who drove each session (from DriveSessionStarted); judged once its DriveSessionEnded has been handled.
create table latency_sessions (
    session_id        varchar(255) primary key,
    fleet_id          varchar(255) not null,
    vehicle_id        varchar(255) not null,
    software_version  varchar(255) not null,
    started_at_nanos  bigint       not null,
    judged            boolean      not null default false
);

-- One row per EdgeWindowSummarized and stage, until the session is judged (and kept: a finding's causes).
create table latency_windows (
    event_id      varchar(255) not null,
    stage         varchar(64)  not null,
    session_id    varchar(255) not null,
    model_sha256  varchar(255) not null,
    window_index  integer      not null,
    frames        bigint       not null,
    p95_micros    bigint       not null,
    primary key (event_id, stage)
);
create index ix_latency_windows_session on latency_windows (session_id);

-- The detector of each (fleet, model, software version, stage): LatencyCusum.State as JSON.
create table latency_detectors (
    fleet_id          varchar(255) not null,
    model_sha256      varchar(255) not null,
    software_version  varchar(255) not null,
    stage             varchar(64)  not null,
    config_version    varchar(64)  not null,
    state_json        text         not null,
    primary key (fleet_id, model_sha256, software_version, stage)
);

-- The per-session p95 series a chart plots, with what the detector made of each session.
create table latency_session_p95 (
    session_id        varchar(255)     not null,
    model_sha256      varchar(255)     not null,
    stage             varchar(64)      not null,
    fleet_id          varchar(255)     not null,
    vehicle_id        varchar(255)     not null,
    software_version  varchar(255)     not null,
    ended_at_nanos    bigint           not null,
    end_global_index  bigint           not null,
    windows           integer          not null,
    frames            bigint           not null,
    p95_micros        bigint           not null,
    phase             varchar(16)      not null,
    z_score           double precision,
    statistic         double precision,
    alarm             boolean          not null default false,
    config_version    varchar(64)      not null,
    primary key (session_id, model_sha256, stage)
);
create index ix_latency_session_p95_fleet on latency_session_p95 (fleet_id, end_global_index);

-- LatencyRegressionDetected events, as stored.
create table latency_findings (
    event_id               varchar(255)     primary key,
    finding_id             varchar(255)     not null,
    fleet_id               varchar(255)     not null,
    model_sha256           varchar(255)     not null,
    software_version       varchar(255)     not null,
    stage                  varchar(64)      not null,
    config_version         varchar(64)      not null,
    reference_sessions     integer          not null,
    reference_p95_micros   bigint           not null,
    reference_scale_micros bigint           not null,
    current_p95_micros     bigint           not null,
    statistic              double precision not null,
    threshold_sigmas       double precision not null,
    allowance_sigmas       double precision not null,
    margin_sigmas          double precision not null,
    session_ids            text             not null,
    session_p95_micros     text             not null,
    detected_at_nanos      bigint           not null,
    global_index           bigint           not null
);
create index ix_latency_findings_fleet on latency_findings (fleet_id, global_index);
