"""`PivotByDialog`: open the actor view by the selected event's user, client IP or object.

Three options, each with the event's value (shown literally: it is untrusted text, drawn as
`Text` through `textsafe.visible`); 1, 2 or 3 picks one at once, ↑/↓ and Enter too, Esc
cancels. An option the event has no value for is disabled. Dismisses with the subject kind
(`"user"`, `"ip"` or `"object"`) or None.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from auditui.events import AuditEvent
from auditui.stats import SUBJECT_KINDS, SubjectKind, actor_subject
from auditui.textsafe import visible
from auditui.tui.widgets.table.layout import fit

LABELS: dict[SubjectKind, str] = {"user": "User", "ip": "Client IP", "object": "Object"}
VALUE_WIDTH = 60  # cells of the value shown per option


class PivotByDialog(ModalScreen[SubjectKind | None]):
    """Which of the event's values the actor view follows."""

    DEFAULT_CSS: ClassVar[str] = """
    PivotByDialog {
        align: center middle;
    }
    PivotByDialog > #pivot-by-box {
        width: 80;
        max-width: 95%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    PivotByDialog #pivot-by-title {
        text-style: bold;
    }
    PivotByDialog #pivot-by-list {
        height: auto;
        margin: 1 0;
    }
    PivotByDialog #pivot-by-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "pick('user')", "User", id="pivot_by.user"),
        Binding("2", "pick('ip')", "Client IP", id="pivot_by.ip"),
        Binding("3", "pick('object')", "Object", id="pivot_by.object"),
        Binding("escape,q", "cancel", "Cancel", id="pivot_by.cancel"),
    ]

    def __init__(self, event: AuditEvent) -> None:
        super().__init__()
        self.subjects = {kind: actor_subject(event, kind) for kind in SUBJECT_KINDS}

    def compose(self) -> ComposeResult:
        options = []
        for number, kind in enumerate(SUBJECT_KINDS, 1):
            subject = self.subjects[kind]
            value = visible(subject.text) if subject is not None else "(none)"
            prompt = Text(f"{number}  {LABELS[kind]:<10} {fit(value, VALUE_WIDTH).rstrip()}")
            options.append(Option(prompt, id=kind, disabled=subject is None))
        with Vertical(id="pivot-by-box"):
            yield Static(Text("Follow this event's …"), id="pivot-by-title")
            yield OptionList(*options, id="pivot-by-list")
            yield Static(
                Text("1/2/3 or ↑/↓ Enter: open the view · Esc: cancel"), id="pivot-by-hint"
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, message: OptionList.OptionSelected) -> None:
        self.action_pick(message.option.id or "")

    def action_pick(self, kind: str) -> None:
        for known in SUBJECT_KINDS:
            if known != kind:
                continue
            if self.subjects[known] is None:
                self.notify(f"This event has no {LABELS[known].lower()}.", timeout=3)
            else:
                self.dismiss(known)

    def action_cancel(self) -> None:
        self.dismiss(None)
