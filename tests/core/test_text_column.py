"""TextColumn: vectorised substring search agrees with `needle in text` for every text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.query.engine import text_column
from auditui.query.engine.text_column import TextColumn, encode

ALPHABET = st.sampled_from([*"abAé-0\x00\n\udc80İ🙂 ", "ab", "ba"])
TEXTS = st.lists(st.lists(ALPHABET, max_size=8).map("".join), max_size=30)


def check(texts: list[str], needles: list[str]) -> None:
    column = TextColumn.of_texts(texts)
    assert len(column) == len(texts)
    assert [column.text(row) for row in range(len(texts))] == texts
    for needle in needles:
        got = column.contains(encode(needle)).tolist()
        assert got == [needle in text for text in texts], needle


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.lists(st.lists(ALPHABET, max_size=4).map("".join), max_size=6))
def test_contains_matches_python_substring(texts: list[str], needles: list[str]) -> None:
    check(texts, [*needles, "a", "ab", "é", "\udc80"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text("0123456789abcdef-", min_size=6, max_size=6), min_size=1, max_size=40))
def test_fixed_width_texts_map_positions_by_division(texts: list[str]) -> None:
    check(texts, ["a", "0", "ab", "f-", "-", "abcdef", "1234567"])


@pytest.mark.parametrize("block", [1, 7, 64])
def test_results_do_not_depend_on_the_block_size(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_column, "BLOCK_BYTES", block)
    texts = ["alpha", "", "beta", "gamma delta", "ab" * 40, "a", "é", "zz"]
    check(texts, ["a", "al", "ta", "ab" * 20, "é", "zz", "q", ""])


def test_dense_and_sparse_paths_agree_on_a_large_column() -> None:
    texts = [f"event {i} {'admin' if i % 3 else 'user'} {i % 97:02x}" for i in range(20_000)]
    check(texts, ["e", "ad", "admin", "user", "1", " 5", "ff", "zzz"])


def test_one_byte_results_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    column = TextColumn.of_texts(["ab", "b", "c"] * 5)
    first = column.contains(b"b")
    assert first.tolist() == [True, True, False] * 5
    first[:] = False  # the caller's copy: changing it changes nothing kept

    def searched_again(self: TextColumn, needle: bytes) -> None:
        raise AssertionError("a kept one-byte result was searched again")

    monkeypatch.setattr(TextColumn, "_contains", searched_again)
    assert column.contains(b"b").tolist() == [True, True, False] * 5


def test_the_separator_or_a_missing_final_one_is_refused() -> None:
    with pytest.raises(ValueError, match="separator"):
        TextColumn(b"abc", b"\x00")
    column = TextColumn(b"ab\x00cd\x00", b"\x00")
    assert column.contains(b"b\x00c").tolist() == [False, False]  # never across texts
    assert column.contains(b"").tolist() == [True, True]
