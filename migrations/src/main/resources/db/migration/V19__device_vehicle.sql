-- A device key bound to one vehicle (ADR-0042/0044 amendment): a vehicle-bound device reads only
-- its vehicle's assignment, downloads only what that vehicle was ever assigned, and ingestion
-- refuses its sessions for another vehicle. Null keeps the fleet scope: keys registered before this
-- column, and keys an administrator registers without a vehicle.
alter table ingest_device_key add column vehicle_id varchar(255);
