"""`MountGate`: calls held until the screen is mounted, then made in order, then direct."""

from __future__ import annotations

from auditui.tui.mount_gate import MountGate


def test_calls_wait_for_open_and_keep_their_order() -> None:
    gate, made = MountGate(), list[int]()
    first, second = gate.wrap(made.append), gate.wrap(lambda x: made.append(x * 10))
    first(1)
    second(2)
    first(3)
    assert made == []
    assert gate.open()  # calls were held
    assert made == [1, 20, 3] and gate.is_open
    assert not gate.open()  # none held since
    second(4)  # open: made at once
    assert made == [1, 20, 3, 40]


def test_a_call_made_while_opening_runs_after_the_held_ones() -> None:
    gate, made = MountGate(), list[int]()
    late = gate.wrap(made.append)

    def early(x: int) -> None:
        made.append(x)
        late(x + 100)  # e.g. an install hook that updates the header through the gate

    gate.wrap(early)(1)
    gate.wrap(made.append)(2)
    gate.open()
    assert made == [1, 2, 101]


def test_keyword_arguments_are_kept() -> None:
    gate, made = MountGate(), []

    def note(message: str, *, severity: str = "information") -> None:
        made.append((message, severity))

    gate.wrap(note)("failed", severity="error")
    gate.open()
    assert made == [("failed", "error")]
