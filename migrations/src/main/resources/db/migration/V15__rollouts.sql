-- Rollouts (issue 17 §4, ADR-0026). V10 stays a historical gap.

-- One row per rollout, written by the rollouts projection in the command's transaction (subscribing,
-- errors propagate). The partial unique index is the last line of defence against two active
-- rollouts in one fleet: the second start fails with the row and stores no event.
create table rollouts (
    rollout_id               text   primary key,
    fleet_id                 text   not null,
    state                    text   not null,  -- RUNNING | HALTED | COMPLETED | ROLLED_BACK
    step_index               int    not null,
    steps                    int    not null,
    champion_model_sha256    text   not null,
    champion_policy_sha256   text   not null,
    challenger_model_sha256  text,
    challenger_policy_sha256 text,
    vehicles                 int    not null,
    started_by               text   not null,
    started_at_nanos         bigint not null,
    updated_at_nanos         bigint not null,
    last_event_id            text   not null
);
create unique index rollouts_one_active_per_fleet on rollouts (fleet_id) where state in ('RUNNING', 'HALTED');
create index rollouts_fleet on rollouts (fleet_id, started_at_nanos);

-- What the gates read (rollout-evidence processor, rebuilt with it): each session's vehicle, primary
-- model and time span, and one row per event a gate counts or compares.
create table rollout_sessions (
    session_id        text   primary key,
    fleet_id          text   not null,
    vehicle_id        text   not null,
    policy_version    text   not null,
    model_sha256      text,
    started_at_nanos  bigint not null,
    ended_at_nanos    bigint
);
create index rollout_sessions_vehicle on rollout_sessions (fleet_id, vehicle_id, started_at_nanos);

create table rollout_evidence (
    event_id           text             not null,
    kind               text             not null,  -- alert | review | fallback | inference-failed | deadline-missed | window-p99 | drift | latency-regression
    stage              text             not null default '',
    session_id         text,
    fleet_id           text,
    vehicle_id         text,
    model_sha256       text,
    value              double precision,
    ref                text,             -- a review's verdict, a finding's scope
    subject            text,             -- a review's AlertRaised event id
    occurred_at_nanos  bigint           not null,
    global_index       bigint           not null,
    primary key (event_id, kind, stage)
);
create index rollout_evidence_session on rollout_evidence (session_id, kind);
create index rollout_evidence_fleet on rollout_evidence (fleet_id, kind, occurred_at_nanos);
