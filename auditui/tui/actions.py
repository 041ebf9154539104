"""The App's actions in one table: bindings, help rows and command-palette entries.

Each action appears once here and is turned into a `Binding` (with an `id`, so the
config's `[keymap]` can remap it), a command-palette entry and a help-screen row.
"""

from __future__ import annotations

import msgspec
from textual.binding import Binding, BindingType


class AppAction(msgspec.Struct, frozen=True):
    """One user-facing action of the App."""

    id: str
    keys: str
    action: str
    title: str
    help: str
    show: bool = True
    priority: bool = False


APP_ACTIONS: tuple[AppAction, ...] = (
    AppAction("app.range", "t", "pick_range", "Range", "Choose the date range to load"),
    AppAction("app.reload", "r", "reload", "Reload", "Load the current range again"),
    AppAction(
        "app.cancel",
        "escape",
        "cancel",
        "Cancel",
        "Cancel a load or an export; un-maximize; else clear the filter",
        False,
    ),
    AppAction("app.filter", "slash", "open_filter", "Filter", "Open the filter bar (query)"),
    AppAction(
        "app.clear_filter", "ctrl+u", "clear_filter", "Clear filter", "Show every event", False
    ),
    AppAction("app.facets", "f", "toggle_facets", "Facets", "Show or hide the facets panel"),
    AppAction(
        "app.pivot",
        "equals_sign",
        "pivot",
        "Pivot",
        "Narrow the filter to the value under the cursor (a cell, or a detail field)",
        False,
    ),
    AppAction(
        "app.pivot_out",
        "exclamation_mark",
        "pivot(True)",
        "Pivot out",
        "Leave out the events with the value under the cursor",
        False,
    ),
    AppAction(
        "app.back",
        "backspace",
        "history(-1)",
        "Back",
        "Go back to the previous filter, sort or range (and its selected event)",
        False,
    ),
    AppAction(
        "app.forward",
        "shift+backspace",
        "history(1)",
        "Forward",
        "Go forward again after going back",
        False,
    ),
    AppAction(
        "app.find",
        "ctrl+f",
        "find",
        "Find",
        "Search the rows shown without filtering them (>/<: next/previous match)",
        False,
    ),
    AppAction(
        "app.find_next",
        "greater_than_sign",
        "find_next",
        "Next match",
        "Go to the next match",
        False,
    ),
    AppAction(
        "app.find_previous",
        "less_than_sign",
        "find_previous",
        "Previous match",
        "Go to the previous match",
        False,
    ),
    AppAction("app.export", "e", "export", "Export", "Write the shown events to a file"),
    AppAction(
        "app.actor",
        "a",
        "actor",
        "Actor",
        "The selected event's user: their events with gaps and first-seen badges",
    ),
    AppAction(
        "app.actor_by",
        "A",
        "actor_by",
        "Actor by…",
        "The actor view by the selected event's user, client IP or object",
        False,
    ),
    AppAction(
        "app.support_review",
        "R",
        "support_review",
        "Support-access review",
        "Support users' events grouped into sessions; Enter shows a session's events",
        False,
    ),
    AppAction(
        "app.zone",
        "u",
        "cycle_zone",
        "Zone",
        "Show the times in UTC, local time or the configured zone (cycles), from any pane",
    ),
    AppAction("app.toggle_detail", "d", "toggle_detail", "Detail", "Show or hide the detail pane"),
    AppAction(
        "app.maximize_detail", "z", "maximize_detail", "Zoom", "Maximize the detail pane", False
    ),
    AppAction(
        "app.diff",
        "D",
        "diff",
        "Diff",
        "What changed: the event's before/after by path (again, or Esc: the payload)",
    ),
    AppAction(
        "app.diff_previous",
        "ctrl+d",
        "diff(True)",
        "Diff previous",
        "Compare the payload with the previous event on the same object",
        False,
    ),
    AppAction(
        "app.detail_bigger",
        "plus",
        "resize_detail(5)",
        "Detail bigger",
        "Give the detail pane more of the screen (remembered)",
        False,
    ),
    AppAction(
        "app.detail_smaller",
        "minus",
        "resize_detail(-5)",
        "Detail smaller",
        "Give the table more of the screen (remembered)",
        False,
    ),
    AppAction(
        "app.copy_event",
        "c",
        "copy_event",
        "Copy",
        "Copy the event as pretty JSON (or, asked, the marked events shown as a JSON array)",
    ),
    AppAction("app.mark", "m", "mark", "Mark", "Mark or unmark the event (kept across restarts)"),
    AppAction(
        "app.note",
        "n",
        "note",
        "Note",
        "Write or edit the event's note (marks it; marked:true, note:WORD find them)",
    ),
    AppAction(
        "app.copy_value", "y", "copy_value", "Copy value", "Copy the value under the cursor", False
    ),
    AppAction("app.pager", "o", "open_pager", "Pager", "Open the event's JSON in $PAGER", False),
    AppAction("app.editor", "O", "open_editor", "Editor", "Open the JSON in $EDITOR", False),
    AppAction("app.columns", "C", "pick_columns", "Columns", "Choose and order the columns", False),
    AppAction(
        "app.save_view",
        "ctrl+s",
        "save_view",
        "Save view",
        "Save the query, columns, sort and range as a named view (open it from the palette)",
        False,
    ),
    AppAction(
        "app.skipped",
        "L",
        "show_skipped",
        "Skipped events",
        "Show the events the load left out: why, and their raw text",
        False,
    ),
    AppAction(
        "app.follow",
        "F",
        "follow",
        "Follow",
        "Follow new events as they arrive: poll the API, new rows join at the top (F stops)",
        False,
    ),
    AppAction("app.focus_next", "tab", "focus_next", "Next pane", "Focus the next pane", False),
    AppAction(
        "app.focus_previous",
        "shift+tab",
        "focus_previous",
        "Previous pane",
        "Focus the previous pane",
        False,
    ),
    AppAction("app.step_down", "j", "step(1)", "Down", "Move down or scroll in any pane", False),
    AppAction("app.step_up", "k", "step(-1)", "Up", "Move up or scroll in any pane", False),
    AppAction(
        "app.palette", "ctrl+p", "command_palette", "palette", "Search every command", False, True
    ),
    AppAction("app.help", "question_mark", "help", "Help", "Show every key binding"),
    AppAction("app.quit", "q", "quit", "Quit", "Quit auditui"),
)


def app_bindings() -> list[BindingType]:
    return [
        Binding(a.keys, a.action, a.title, show=a.show, id=a.id, priority=a.priority)
        for a in APP_ACTIONS
    ]
