-- Ingestion security and bookkeeping (issue 5): device keys, session ownership, rejection counters.

-- One Ed25519 public key per edge device, registered by an administrator. Batches are verified
-- against it; a device without a row (or with a revoked key) cannot store anything.
create table ingest_device_key (
    device_id        varchar(255) primary key,
    algorithm        varchar(32)  not null default 'Ed25519',
    -- X.509 SubjectPublicKeyInfo (DER), as Java's PublicKey.getEncoded() gives it.
    public_key       bytea        not null,
    registered_at    timestamptz  not null default now(),
    revoked_at       timestamptz
);

-- The device that first stored events of a session owns it: another device, even with a valid
-- key of its own, may not append to it.
create table ingest_session_device (
    session_id       varchar(255) primary key,
    device_id        varchar(255) not null,
    bound_at         timestamptz  not null default now()
);

-- Refused batches, counted per device and reason (device_id '?' when the request named none).
-- Nothing of a refused batch is stored; this is the only trace it leaves.
create table ingest_rejection_count (
    device_id        varchar(255) not null,
    reason           varchar(64)  not null,
    rejected_count   bigint       not null,
    first_at         timestamptz  not null default now(),
    last_at          timestamptz  not null default now(),
    last_session_id  varchar(255),
    last_detail      varchar(1000),
    primary key (device_id, reason)
);
