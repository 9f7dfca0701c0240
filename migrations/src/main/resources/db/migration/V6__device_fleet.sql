-- Fleet isolation for writes (issue 5, "a wrong fleet on the topic"): an administrator registers a
-- device into the fleet of their own token, and a session is bound to the fleet its
-- DriveSessionStarted names. Ingestion refuses a session claiming another fleet than its device's,
-- and an MQTT batch published under another fleet's topic than its session's.
-- Null for devices and sessions registered before this column existed: they are not bound.
alter table ingest_device_key add column fleet_id varchar(255);
alter table ingest_session_device add column fleet_id varchar(255);
