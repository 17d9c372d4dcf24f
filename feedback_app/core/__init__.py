"""The floor every app stands on: domain errors, background tasks, admin bases, schedules,
how numbers are read, the roles and the access policy, and the API's shared parts. It imports
none of the apps (the import-linter contract in pyproject.toml checks)."""
