-- Alert notifications to safety apps (issue 5, ADR-0016): an outbox. The alerts processor's
-- notifier writes one row per AlertRaised and per AlertCleared in the processor's own transaction
-- (with its token), so an alert is announced if and only if it was processed live; AlertPublisher
-- sends the rows over MQTT and marks them. A rebuild replays into the projection but never into
-- this table (@DisallowReplay), so it announces nothing again.
create table alert_notifications (
    -- The announced event's id: one row per event, whatever replays or redeliveries happen.
    event_id           varchar(255) primary key,
    type               varchar(16)  not null check (type in ('raised', 'cleared')),
    alert_id           varchar(255) not null,
    session_id         varchar(255) not null,
    fleet_id           varchar(255) not null,
    vehicle_id         varchar(255) not null,
    -- Raised only.
    kind               varchar(64),
    level              varchar(64),
    track_id           varchar(255),
    policy_version     varchar(255),
    raised_at_nanos    bigint,
    -- Cleared only.
    cleared_at_nanos   bigint,
    cleared_reason     varchar(255),
    active_for_nanos   bigint,
    global_index       bigint       not null,
    created_at         timestamptz  not null default now(),
    -- Null until the broker acknowledged the QoS 1 publish.
    published_at       timestamptz,
    attempts           integer      not null default 0,
    next_attempt_at    timestamptz  not null default now(),
    last_error         varchar(1000)
);
-- The publisher's claim: oldest pending first.
create index ix_alert_notifications_pending on alert_notifications (next_attempt_at, global_index) where published_at is null;
-- Retention of sent rows.
create index ix_alert_notifications_published on alert_notifications (published_at) where published_at is not null;
