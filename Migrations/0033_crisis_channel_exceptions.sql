-- A crisis line's dated exceptions (a holiday closure, special hours) are read with its hours on
-- every crisis search and replaced with them on every edit, by channel.
CREATE INDEX schedule_exceptions_crisis_channel_idx ON schedule_exceptions (crisis_channel_id);
