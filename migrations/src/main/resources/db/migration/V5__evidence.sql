-- Evidence frames (issue 5, ADR-0008): the JPEGs (boxes drawn) of frames inside alert windows,
-- uploaded by the edge and served to investigators. Content-addressed: the key is the sha256 of
-- the bytes, which the cloud recomputes on upload, so a row can never hold other bytes than its
-- key names. Uploads are idempotent (a resend of the same bytes stores nothing new).

create table evidence_frame (
    sha256        char(64)     primary key,
    -- The session and fleet of the first upload; only that fleet's investigators may fetch it.
    session_id    varchar(255) not null,
    fleet_id      varchar(255) not null,
    frame_id      varchar(255) not null,
    device_id     varchar(255) not null,
    content_type  varchar(64)  not null,
    bytes         bytea        not null,
    size_bytes    integer      not null,
    -- Read from the JPEG's frame header at upload (a body that has none is refused).
    width_px      integer      not null,
    height_px     integer      not null,
    stored_at     timestamptz  not null default now()
);
create index ix_evidence_frame_session on evidence_frame (session_id);
