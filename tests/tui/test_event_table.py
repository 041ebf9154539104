"""EventTable in a tiny host App: rendering, cursor keys, sorting, selection, safety."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from rich.cells import cell_len
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message

from auditui.events import AuditEvent, EventStore, EventView
from auditui.tui.widgets.table.event_table import EventTable, fit

T0 = datetime(2026, 11, 26, 14, 3, 7, tzinfo=UTC)
MessageT = TypeVar("MessageT", bound=Message)


def ev(n: int, **fields: object) -> AuditEvent:
    """Event `u<n>`, n minutes after T0 (higher n is newer)."""
    base: dict[str, object] = {
        "timestamp": T0 + timedelta(minutes=n),
        "event_uuid": f"u{n}",
        "client_ip": "10.0.0.1",
        "url": "/api",
        "action": "login",
        "user_email": f"user{n:03d}@example.com",
        "status": "success",
        "object_type": "dataset",
        "object_id": n,
        "source": "web",
    }
    base.update(fields)
    return AuditEvent(**base)  # type: ignore[arg-type]


def make_view(count: int = 100, *extra: AuditEvent) -> EventView:
    return EventView(EventStore([*(ev(n) for n in range(count)), *extra]))


class TableApp(App[None]):
    """Hosts one EventTable and records the messages it posts."""

    def __init__(self, view: EventView | None, **table_args: object) -> None:
        super().__init__()
        self.view = view
        self.table_args = table_args
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield EventTable(self.view, **self.table_args)  # type: ignore[arg-type]

    def on_event_table_highlighted(self, message: EventTable.Highlighted) -> None:
        self.messages.append(message)

    def on_event_table_selected(self, message: EventTable.Selected) -> None:
        self.messages.append(message)

    def on_event_table_sort_requested(self, message: EventTable.SortRequested) -> None:
        self.messages.append(message)

    def on_event_table_sorted(self, message: EventTable.Sorted) -> None:
        self.messages.append(message)

    def of(self, kind: type[MessageT]) -> list[MessageT]:
        return [m for m in self.messages if isinstance(m, kind)]


def lines(table: EventTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def uuid_at_cursor(table: EventTable) -> str | None:
    event = table.cursor_event
    return None if event is None else event.event_uuid


async def test_renders_header_and_newest_rows_first_at_80x24() -> None:
    app = TableApp(make_view(100))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(EventTable)
        shown = lines(table)
        header = shown[0]
        for title in ("Time (local) ▼", "User", "Action", "Object"):
            assert title in header
        assert "user099…" in shown[1] and "datase…" in shown[1]  # shrunk: all 7 columns fit
        assert "user098" in shown[2]
        assert "2026-11-26 15:42:07" in shown[1]  # TZ=UTC in tests: local is UTC
        assert len(shown[1]) == table.scrollable_content_region.width == 78  # scrollbar: 2
        assert "user099" in app.export_screenshot()
        highlighted = app.of(EventTable.Highlighted)
        event = highlighted[-1].event if highlighted else None
        assert event is not None and event.event_uuid == "u99"


async def test_cursor_keys_move_and_scroll() -> None:
    app = TableApp(make_view(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        await pilot.press("j", "j", "down")
        assert table.cursor_row == 3 and uuid_at_cursor(table) == "u96"
        await pilot.press("k", "up")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == 99
        await pilot.pause()
        assert any("user000" in line for line in lines(table))  # scrolled there
        await pilot.press("g")
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        await pilot.press("pagedown")
        page = table.cursor_row
        assert page > 10
        await pilot.press("pagedown", "pageup")
        assert table.cursor_row == page
        await pilot.press("end")
        assert table.cursor_row == 99
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("k")  # clamped at the top
        assert table.cursor_row == 0
        ids = [m.event and m.event.event_uuid for m in app.of(EventTable.Highlighted)]
        assert ids[:4] == ["u99", "u98", "u97", "u96"]


async def test_enter_and_double_click_post_selected() -> None:
    app = TableApp(make_view(10))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("j", "enter")
        selected = app.of(EventTable.Selected)
        assert [m.event.event_uuid for m in selected] == ["u8"]
        await pilot.double_click(EventTable, offset=(5, 4))
        selected = app.of(EventTable.Selected)
        assert selected[-1].event.event_uuid == "u6"  # 4th row


async def test_header_arrows_and_sort_keys() -> None:
    app = TableApp(make_view(30))
    async with app.run_test(size=(120, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        await pilot.press("s")  # next visible column after time: user, A→Z
        assert table.view is not None
        assert (table.view.sort_column, table.view.descending) == ("user", False)
        header = table.render_line(0).text
        assert "User ▲" in header and "▼" not in header
        assert uuid_at_cursor(table) == "u29" and table.cursor_row == 29  # selection kept
        await pilot.press("g")
        assert "user000" in table.render_line(1).text
        await pilot.press("S")
        assert table.view.descending
        assert "User ▼" in table.render_line(0).text
        assert uuid_at_cursor(table) == "u0" and table.cursor_row == 29
        assert table.view.event_at(0).event_uuid == "u29"
        cursor_line = table.cursor_row - table.scroll_offset.y + 1
        assert "user000" in table.render_line(cursor_line).text
        await pilot.press("s")
        assert table.view.sort_column == "action"
        sorted_messages = app.of(EventTable.Sorted)
        assert [(m.column_id, m.descending) for m in sorted_messages] == [
            ("user", False),
            ("user", True),
            ("action", False),
        ]
        for _ in range(len(table.columns) - 2):
            await pilot.press("s")
        assert table.view.sort_column == "time"  # cycled back


async def test_selection_kept_across_sort_and_filter() -> None:
    view = make_view(50)
    app = TableApp(view)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        for _ in range(5):
            await pilot.press("j")
        assert uuid_at_cursor(table) == "u44"
        table.sort_by("time", descending=False)
        assert uuid_at_cursor(table) == "u44" and table.cursor_row == 44
        await pilot.pause()
        assert "user044" in table.render_line(table.cursor_row - table.scroll_offset.y + 1).text
        view.set_filter(lambda e: e.object_id is not None and e.object_id % 2 == 0)
        table.refresh_rows()
        assert uuid_at_cursor(table) == "u44" and table.cursor_row == 22
        view.set_filter(lambda e: e.object_id is not None and e.object_id < 10)
        table.refresh_rows()  # u44 is gone: the cursor is clamped
        assert table.cursor_row == 9 and uuid_at_cursor(table) == "u9"
        table.set_view(EventView(EventStore([ev(n) for n in range(5, 30)])))
        assert uuid_at_cursor(table) == "u9"  # same uuid found in a new store


async def test_click_row_selects_it_and_header_requests_sort() -> None:
    app = TableApp(make_view(20))
    async with app.run_test(size=(100, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        await pilot.click(EventTable, offset=(3, 4))
        assert table.cursor_row == 3 and uuid_at_cursor(table) == "u16"
        assert table.current_column == "time"
        user_x = table.render_line(0).text.index("User")
        await pilot.click(EventTable, offset=(user_x, 0))
        requests = app.of(EventTable.SortRequested)
        assert [(m.column_id, m.descending) for m in requests] == [("user", False)]
        assert table.view is not None and table.view.sort_column == "time"  # the app decides
        await pilot.click(EventTable, offset=(2, 0))
        assert app.of(EventTable.SortRequested)[-1].descending is False
        await pilot.click(EventTable, offset=(user_x, 2))
        assert table.current_column == "user" and table.cursor_row == 1


async def test_the_clock_toggles_utc_and_local(kolkata: None) -> None:
    # `u` is the App's key (from any pane: tests/tui/test_time_zones.py); the table owns it
    app = TableApp(EventView(EventStore([ev(0)])))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        assert "2026-11-26 19:33:07 " in table.render_line(1).text
        assert "Time (local)" in table.render_line(0).text
        table.action_toggle_utc()
        await pilot.pause()
        assert table.utc
        assert "2026-11-26 14:03:07Z" in table.render_line(1).text
        assert "Time (UTC)" in table.render_line(0).text
        table.action_toggle_utc()
        await pilot.pause()
        assert "19:33:07" in table.render_line(1).text


async def test_markup_and_control_characters_are_shown_literally() -> None:
    hostile = ev(500, user_email="[bold]x[/]", action="\x1b[2J\x07", source="[link=http://e]s")
    app = TableApp(EventView(EventStore([hostile])), columns=("user", "action", "source"))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        row = table.render_line(1)
        assert "[bold]x[/]" in row.text
        assert "\\x1b[2J\\x07" in row.text and "\x1b" not in row.text
        assert "[link=http://e]s" in row.text
        assert all(seg.style is None or not seg.style.link for seg in row)
        screenshot = app.export_screenshot()
        assert "[bold]x[/]" in screenshot


async def test_wide_characters_keep_columns_aligned_and_long_text_is_cut() -> None:
    long_email = "a-very-long-address-that-does-not-fit@example.com"
    events = [ev(1, user_email="漢字漢字漢字@例え.jp"), ev(2, user_email="😀😀 emoji"), ev(3)]
    events.append(ev(4, user_email=long_email))
    app = TableApp(EventView(EventStore(events)), columns=("user", "action", "source"))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        rows = [table.render_line(y).text for y in range(1, 5)]
        starts = {cell_len(row[: row.index("login")]) for row in rows}
        assert len(starts) == 1  # "Action" starts at the same cell in every row
        assert all(cell_len(row) == 80 for row in rows)
        cut = rows[0]  # newest first: the long address
        assert long_email not in cut and "a-very-long-address" in cut and "…" in cut
        assert cell_len(cut[1 : cut.index("…") + 1]) == 32  # capped user width
        assert table.cell_under_cursor() == (
            "User",
            "a-very-long-address-that-does-not-fit@example.com",
        )


def test_fit_respects_cell_widths() -> None:
    assert fit("abc", 5) == "abc  "
    assert fit("abcdef", 4) == "abc…"
    assert cell_len(fit("漢字漢字", 6)) == 6 and fit("漢字漢字", 6).endswith("…")
    assert cell_len(fit("漢字漢字", 4)) == 4


async def test_cell_cursor_moves_with_h_and_l_and_copy_text() -> None:
    app = TableApp(make_view(3))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        await pilot.press("l", "l", "l")
        assert table.current_column == "object"
        assert table.cell_under_cursor() == ("Object", "dataset #2")
        await pilot.press("l", "l", "l", "l", "l")
        assert table.current_column == "ip"  # clamped at the last column
        assert table.scroll_offset.x == 0  # every column fits the width: no scrolling
        shown = [table.render_line(y).text for y in (0, 1, 2)]
        assert "10.0.0.1" in shown[1] and "Client IP" in shown[0]
        assert all(len(line) == table.scrollable_content_region.width for line in shown)
        assert "Time" in shown[0] and "2026-11-26" in shown[2]
        await pilot.press("h")
        assert table.current_column == "source"


async def test_columns_can_change_at_runtime() -> None:
    app = TableApp(make_view(3))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        await pilot.press("l")
        table.columns = ("url", "user", "support")
        await pilot.pause()
        header = table.render_line(0).text
        assert header.index("URL") < header.index("User") < header.index("Support")
        assert "Time" not in header
        assert table.current_column == "user"  # the cell cursor followed its column
        with pytest.raises(KeyError):
            table.columns = ("nope",)


async def test_failure_and_denied_rows_stand_out() -> None:
    events = [ev(1, status="success"), ev(2, status="failure"), ev(3, status="denied"), ev(4)]
    app = TableApp(EventView(EventStore(events)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()

        def colour(y: int) -> object:
            return next(iter(table.render_line(y))).style.color  # type: ignore[union-attr]

        # row 1 is the cursor; rows 2, 3, 4 are denied, failure, success
        assert len({colour(2), colour(3), colour(4)}) == 3


async def test_empty_view_says_no_events() -> None:
    app = TableApp(EventView(EventStore([])))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        assert "No events" in table.render_line(1).text
        assert "Time" in table.render_line(0).text
        await pilot.press("j", "G", "enter")
        assert table.cell_under_cursor() == ("", "")
        assert not app.of(EventTable.Selected)
        assert app.of(EventTable.Highlighted)[-1].event is None
        view = EventView(EventStore([ev(1)]), filter=lambda e: False)
        table.set_view(view)
        await pilot.pause()
        assert "No events match" in table.render_line(1).text


def scrollbars(table: EventTable) -> tuple[bool, bool]:
    return table.show_vertical_scrollbar, table.show_horizontal_scrollbar


async def test_columns_keep_the_vertical_scrollbars_place_so_widths_never_jump() -> None:
    """Rows that arrive after the first layout need a vertical scrollbar: the columns leave
    room for it from the start, so no horizontal scrollbar appears for its width, and a
    filter that leaves a few rows (no scrollbar) does not change the widths."""
    app = TableApp(EventView(EventStore([])))
    async with app.run_test(size=(200, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        gutter = table.styles.scrollbar_size_vertical
        assert table.virtual_size.width == table.scrollable_content_region.width - gutter
        view = make_view(100)
        table.set_view(view)
        await pilot.pause()
        await pilot.pause()
        assert scrollbars(table) == (True, False)  # vertical, horizontal
        assert table.virtual_size.width == table.scrollable_content_region.width
        widths = table.column_widths
        view.set_filter([0, 1, 2], ascending=True)  # the scrollbar goes: its place stays
        table.refresh_rows()
        await pilot.pause()
        await pilot.pause()
        assert scrollbars(table) == (False, False)
        assert table.column_widths == widths


async def test_no_view_at_all() -> None:
    app = TableApp(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(EventTable)
        assert "No events" in table.render_line(1).text
        table.sort_by("user")  # nothing to sort: no error
        table.set_view(make_view(2))
        await pilot.pause()
        assert "user001" in table.render_line(1).text


def test_every_binding_has_an_id() -> None:
    bindings = [b for b in EventTable.BINDINGS if isinstance(b, Binding)]
    assert len(bindings) == len(EventTable.BINDINGS)
    assert all(b.id and b.id.startswith("table.") for b in bindings)


async def test_wheel_scrolls_the_body_but_not_the_header_or_cursor() -> None:
    app = TableApp(make_view(200))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        for _ in range(3):
            scroll = events.MouseScrollDown(table, 5, 5, 0, 1, 0, False, False, False)
            table.post_message(scroll)
            await pilot.pause()
        assert table.scroll_offset.y > 0 and table.cursor_row == 0
        assert "Time (local)" in table.render_line(0).text  # the header stays put
        top = table.scroll_offset.y
        assert f"user{199 - top:03d}" in table.render_line(1).text
        await pilot.press("j")  # the cursor scrolls back into view
        assert table.scroll_offset.y == 1 and table.cursor_row == 1  # now the top line


async def test_resize_keeps_cursor_visible_and_fills_the_width() -> None:
    app = TableApp(make_view(200), columns=("user", "action"))
    async with app.run_test(size=(100, 40)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        await pilot.press("pagedown", "pagedown")
        row = table.cursor_row
        await pilot.resize_terminal(60, 10)
        await pilot.pause()
        top = table.scroll_offset.y
        assert top <= row < top + table.scrollable_content_region.height - 1
        assert cell_len(table.render_line(1).text) == table.scrollable_content_region.width
        assert table.virtual_size.width == table.scrollable_content_region.width


# -- a store that grows while shown (a load's flushes, issue 17) -------------------------


def _grow(view: EventView, events: list[AuditEvent]) -> None:
    """Append `events` to the store and let the view take them in (`Session.extend`)."""
    start = len(view.store)
    view.store.add(events)
    view.grow(range(start, len(view.store)))


async def test_rows_appended_below_the_screen_need_no_layout_and_no_redraw(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from textual.screen import Screen

    layouts: list[int] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen[object], *args: object, **kwargs: object) -> None:
        layouts.append(1)
        refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    view = EventView(EventStore([ev(n) for n in range(200, 100, -1)]))  # newest first
    app = TableApp(view)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        table.refresh_rows()  # as when the App shows a new store (`set_view`)
        await pilot.pause()
        shown = lines(table)
        drawn: list[AuditEvent] = []
        row_strip = EventTable._row_strip

        def counted_rows(self: EventTable, event: AuditEvent) -> object:
            drawn.append(event)
            return row_strip(self, event)

        monkeypatch.setattr(EventTable, "_row_strip", counted_rows)
        layouts.clear()
        _grow(view, [ev(n) for n in range(100, 0, -1)])  # older: below the screen
        table.refresh_rows(remeasure=False, appended=True)
        await pilot.pause()
        assert not layouts and not drawn  # the screen is as it was
        assert lines(table) == shown
        assert table.virtual_size.height == 201  # the header and 200 rows
        assert table.vertical_scrollbar.window_virtual_size == 201
        table.action_last()  # the new rows are there
        await pilot.pause()
        assert uuid_at_cursor(table) == "u1"
        assert drawn


async def test_newer_rows_are_drawn_and_a_scrollbar_that_appears_lays_out() -> None:
    view = EventView(EventStore([ev(n) for n in range(5, 0, -1)]))  # fits: no scrollbar
    app = TableApp(view)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()

        def scrollbar() -> bool:  # read again below (not narrowed by the first assert)
            return table.show_vertical_scrollbar

        assert not scrollbar()
        _grow(view, [ev(n) for n in range(100, 50, -1)])  # newer: above the rows shown
        table.refresh_rows(remeasure=False, appended=True)
        await pilot.pause()
        assert scrollbar()  # laid out again: the scrollbar shows
        assert uuid_at_cursor(table) == "u5"  # the selection kept
        table.action_first()
        await pilot.pause()
        assert uuid_at_cursor(table) == "u100" and "user100" in lines(table)[1]
