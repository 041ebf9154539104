"""The App's flows: what happens between the session and the widgets, one concern each.

- `load.LoadFlow`: streams a range from the session's source into the session; reports
  through `LoadHooks` (installed, extended, counted, auth refused, stopped, done).
- `filter.FilterFlow`: applies queries to the session's view; keeps the table, filter bar,
  facets and timeline in step (also after a load installed or extended the store).
- `login.LoginFlow`: asks for a key, verifies and stores it, gives the session the new
  credential, then resumes loading.
- `export.ExportFlow`: writes the shown events to a file in a thread worker.

A flow reads and changes state through the `Session` only and never calls another flow;
the App connects them.
"""
