-- Exposure per drive session, for alert rates per hour of driving and per 100 km (GET /api/v1/quality):
-- the sessions projection integrates the ego speed of VehicleStateSampled between consecutive samples.
-- last_state_* carry the previous sample across the processor's batches. Rebuilt with the projection.
alter table sessions add column driving_nanos   bigint           not null default 0;
alter table sessions add column distance_m      double precision not null default 0;
alter table sessions add column last_state_nanos bigint;
alter table sessions add column last_speed_mps  double precision;
