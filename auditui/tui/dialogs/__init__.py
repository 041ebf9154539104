"""Modal dialogs of the auditui TUI (range, login, help, message, column picker)."""
