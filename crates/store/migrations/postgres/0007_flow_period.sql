-- The period of an accepted flow: the months of competence of its header (PeriodoDa,
-- PeriodoA, `YYYY-MM`), written when the flow is accepted so that the list of flows reads
-- it with the flow, in one query. NULL for refused flows and flows being processed.
-- Keep in step with the other backend's 0007_flow_period.sql: the schema-parity test
-- compares them.
ALTER TABLE flows ADD COLUMN period_from TEXT;
ALTER TABLE flows ADD COLUMN period_to TEXT;

-- Flows accepted before this migration: the header was not kept, but the months of the
-- flow's records lie inside it (R-FLO-1), so their first and last month is the closest
-- period we can recover.
UPDATE flows
SET period_from = (SELECT MIN(r.month) FROM flow_records r WHERE r.flow_id = flows.id),
    period_to = (SELECT MAX(r.month) FROM flow_records r WHERE r.flow_id = flows.id)
WHERE status = 'accepted';
