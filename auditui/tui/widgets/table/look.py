"""How the event table looks: its component classes (header, cursors, status colours,
the empty-view message, rows just followed) and its default CSS (`EventTable` uses both)."""

from __future__ import annotations

__all__ = ["COMPONENT_CLASSES", "DEFAULT_CSS"]

COMPONENT_CLASSES = {
    "event-table--header",
    "event-table--cursor",
    "event-table--cell-cursor",
    "event-table--status-failure",
    "event-table--status-denied",
    "event-table--message",
    "event-table--fresh",
}

DEFAULT_CSS = """
EventTable {
    background: $surface; color: $foreground; height: 1fr;
    & > .event-table--header { text-style: bold; background: $panel; color: $foreground; }
    & > .event-table--cursor, & > .event-table--cell-cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    & > .event-table--cell-cursor { text-style: bold underline; }
    & > .event-table--status-failure { color: $text-error; }
    & > .event-table--status-denied { color: $text-warning; }
    & > .event-table--message { color: $text-muted; text-style: italic; }
    & > .event-table--fresh { background: $success-muted; text-style: bold; }
    &:focus > .event-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    &:focus > .event-table--cell-cursor { background: $accent; color: $foreground; }
}
"""
