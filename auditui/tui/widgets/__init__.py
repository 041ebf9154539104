"""Widgets of the auditui TUI (event table, detail pane, JSON tree)."""
