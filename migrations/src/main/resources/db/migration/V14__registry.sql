-- The artifact registry (issue 17 §1, ADR-0025): one row per registered model or policy version,
-- written by the registry projection from ModelVersionRegistered / PolicyVersionRegistered in the
-- registering command's transaction. The bytes live in the blob store under their sha256.
-- V10-V13 belong to the mining, latency, drift and camera-health work.
create table registry_artifacts (
    kind                 text   not null,  -- model | policy
    name                 text   not null,
    version              text   not null,
    sha256               text   not null,
    size_bytes           bigint not null,
    manifest_sha256      text   not null,  -- '-' for a policy
    key_id               text   not null,
    registered_by        text   not null,
    registered_at_nanos  bigint not null,
    event_id             text   not null,
    registry_id          text   not null,
    evaluations          int    not null,
    primary key (kind, name, version)
);
create index registry_artifacts_sha256 on registry_artifacts (sha256, kind);
