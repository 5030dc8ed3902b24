-- The history of one application (or user, delegation…) is read by target.
CREATE INDEX audit_events_target ON audit_events (target_type, target_id, seq);
