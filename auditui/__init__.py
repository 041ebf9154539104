"""auditui: a keyboard-driven terminal browser for Datafold audit logs (version only)."""

__version__ = "0.1.0"
