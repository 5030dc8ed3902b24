-- CISOA is requested and authorised in whole days (R-LIM-9): the days beside the hours they
-- stand for (days × contractual daily hours, docs/rules.md P27). NULL for the other benefits.
ALTER TABLE application_workers ADD COLUMN days_requested INTEGER CHECK (days_requested > 0);
ALTER TABLE application_workers ADD COLUMN days_authorised INTEGER CHECK (days_authorised >= 0);
