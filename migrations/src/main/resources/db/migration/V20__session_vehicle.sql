-- The vehicle a session is of, from its DriveSessionStarted, kept with the session's owner: ingestion
-- then checks every batch, not only the first, against the device's vehicle binding (a device bound
-- to another vehicle since the session started stores no more of it) and against the MQTT topic's
-- vehicle level. Null for sessions claimed before this column, until their start is seen again.
alter table ingest_session_device add column vehicle_id varchar(255);
