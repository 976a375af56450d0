-- `latchkey audit` reads the newest events, optionally since a time, across all users: with
-- refused logins written every second during a storm, that must not scan the whole table.
CREATE INDEX audit_events_at ON audit_events (at, id);
