-- A rollback's confirmation by the vehicles (issue 17 §4, ADR-0044), kept by the rollouts projection
-- from RolloutRolledBack, RolloutRollbackUnconfirmed and RolloutRollbackConfirmed: PENDING,
-- UNCONFIRMED (the alarm) or CONFIRMED; null for a rollout that was not rolled back. The count is the
-- vehicles the latest of those events left unconfirmed (the metric reads the live count).
alter table rollouts add column rollback_confirmation text;
alter table rollouts add column rollback_unconfirmed_vehicles int;
-- Rollbacks stored before this migration are checked like new ones: the scheduler confirms them or,
-- past the deadline, raises the alarm, from the stored sessions.
update rollouts set rollback_confirmation = 'PENDING' where state = 'ROLLED_BACK';

-- A session that ran a shadow challenger (its ModelActivated with role shadow) does not confirm a
-- rollback: the vehicle still follows the rollout's shadow assignment. Null for sessions projected
-- before this column existed and for sessions without a shadow.
alter table rollout_sessions add column shadow_model_sha256 text;
