"""The queue: the SQLite file's schema and store verbs, the daemon and the workers that drain it."""
