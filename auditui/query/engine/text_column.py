"""Substring search over many texts at once, vectorised with numpy (core, no Textual).

A `TextColumn` holds texts as one UTF-8 buffer, each text followed by a separator byte
that no text contains, plus the offset where each text starts. `contains(needle)` answers
"which texts contain needle" for all of them in a few passes over the buffer instead of
one Python call per text:

1. candidates: the positions of the needle's rarest byte (byte frequencies come from a
   sample of the buffer), shifted to where the needle would start;
2. each other byte of the needle filters the candidates (gathers, rarest bytes first);
3. surviving start positions map to texts: a bisection per match when they are few, a
   per-text `logical_or.reduceat` over a match mask when they are many.

The buffer is walked in blocks of whole texts (~8 MB) so temporary arrays stay small.
Matching UTF-8 bytes is matching text: UTF-8 is self-synchronising, so a needle's
encoding occurs in a text's encoding exactly where the needle occurs in the text. A match
never spans two texts: the separator ends every text and never occurs in a needle that can
match (such a needle matches nothing).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
BLOCK_BYTES = 8 << 20
_SPARSE = 1024  # go sparse once under 1 survivor in this many positions
_SINGLE_KEPT = 40  # one-byte needles whose results a column keeps
_SAMPLE_STEP = 61  # bytes between the samples that estimate byte frequencies
UTF8_SEPARATOR = b"\xff"  # never part of UTF-8 (not even with surrogatepass)


def encode(text: str) -> bytes:
    """A text as the column stores it (lone surrogates kept, as `str` matching sees them)."""
    return text.encode("utf-8", "surrogatepass")


class TextColumn:
    """Texts in one buffer for vectorised substring search; see the module doc."""

    __slots__ = (
        "_blocks", "_lock", "_share", "_single", "_width", "buffer", "separator", "size",
        "starts",
    )  # fmt: skip

    def __init__(self, data: bytes, separator: bytes) -> None:
        """`data`: every text followed by `separator` (one byte no text contains)."""
        if len(separator) != 1 or (data and not data.endswith(separator)):
            raise ValueError("every text must end with the one-byte separator")
        self.separator = separator
        self.buffer = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(self.buffer == separator[0])
        self.size = len(ends)
        small = len(self.buffer) < 2**31  # 4-byte offsets: half the memory
        self.starts: npt.NDArray[np.integer[Any]] = np.zeros(
            self.size, dtype=np.int32 if small else np.int64
        )
        self.starts[1:] = ends[:-1] + 1
        sample = np.bincount(self.buffer[::_SAMPLE_STEP], minlength=256) + 1
        self._share = (sample / sample.sum()).tolist()  # how common each byte is (sampled)
        self._blocks = self._split_blocks()
        # the common length of every text plus its separator (0 when they differ): a
        # position's text is then a division away
        self._single: dict[bytes, npt.NDArray[np.uint8]] = {}  # one-byte needles, as bits
        self._lock = threading.Lock()
        self._width = 0
        if self.size and len(self.buffer) == self.size * (int(ends[0]) + 1):
            widths = np.diff(ends)
            if not widths.size or int(widths.min()) == int(widths.max()) == int(ends[0]) + 1:
                self._width = int(ends[0]) + 1

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> TextColumn:
        """A column of `str` texts (separated by a byte UTF-8 never uses)."""
        return cls(b"".join(encode(text) + UTF8_SEPARATOR for text in texts), UTF8_SEPARATOR)

    def __len__(self) -> int:
        return self.size

    def text(self, row: int) -> str:
        """The text at row, decoded."""
        start = int(self.starts[row])
        end = int(self.starts[row + 1]) - 1 if row + 1 < self.size else len(self.buffer) - 1
        return self.buffer[start:end].tobytes().decode("utf-8", "surrogatepass")

    def _split_blocks(self) -> list[tuple[int, int, int, int]]:
        """(first text, end text, first byte, end byte) of consecutive ~8 MB blocks."""
        blocks: list[tuple[int, int, int, int]] = []
        total = len(self.buffer)
        first = 0
        while first < self.size:
            limit = int(self.starts[first]) + BLOCK_BYTES
            end = int(np.searchsorted(self.starts, limit, side="left"))
            end = max(end, first + 1)
            byte_end = int(self.starts[end]) if end < self.size else total
            blocks.append((first, end, int(self.starts[first]), byte_end))
            first = end
        return blocks

    def contains(self, needle: bytes) -> BoolArray:
        """Per text: does it contain `needle` (encoded as the texts are)?

        Results for one-byte needles (the first keystroke of every word) are kept.
        """
        if len(needle) == 1:
            with self._lock:
                packed = self._single.get(needle)
            if packed is not None:  # kept as bits: 1/8 of the memory, quick to unpack
                return np.unpackbits(packed, count=self.size).view(np.bool_)
            found = self._contains(needle)
            with self._lock:
                if len(self._single) < _SINGLE_KEPT:
                    self._single[needle] = np.packbits(found)
            return found
        return self._contains(needle)

    def _contains(self, needle: bytes) -> BoolArray:
        if not needle:
            return np.ones(self.size, dtype=np.bool_)
        result = np.zeros(self.size, dtype=np.bool_)
        if self.separator in needle:
            return result
        pattern = np.frombuffer(needle, dtype=np.uint8)
        order = sorted(range(len(needle)), key=lambda j: self._share[pattern[j]])
        for first, end, byte_start, byte_end in self._blocks:
            self._search_block(pattern, order, result, first, end, byte_start, byte_end)
        return result

    def _search_block(
        self,
        pattern: npt.NDArray[np.uint8],
        order: list[int],
        result: BoolArray,
        first: int,
        end: int,
        byte_start: int,
        byte_end: int,
    ) -> None:
        segment = self.buffer[byte_start:byte_end]
        width = len(pattern)
        room = len(segment) - width + 1
        if room <= 0:
            return
        # dense passes (a mask over every position) while the survivors would be many,
        # then sparse ones (gathers at the surviving positions)
        mask: Any = None
        found: Any = None
        expected = float(room)
        for j in order:
            if found is None:
                column = segment[j : j + room] == pattern[j]
                mask = column if mask is None else np.logical_and(mask, column, out=mask)
                expected *= self._share[pattern[j]]
                if expected * _SPARSE < room:
                    found = np.flatnonzero(mask)
            elif found.size:
                found = found[segment[found + j] == pattern[j]]
        width, count = self._width, end - first
        if found is None and width and expected * 64 < room:  # few positions: divide them
            found = np.flatnonzero(mask)
        if found is None:  # still dense: every byte of the needle was common
            hit = np.zeros(len(segment), dtype=np.bool_)
            hit[:room] = mask
        elif not found.size:
            return
        elif width:
            result[first + found // width] = True
            return
        elif found.size * 8 > count:  # many matches: one pass over the block's texts
            hit = np.zeros(len(segment), dtype=np.bool_)
            hit[found] = True
        else:
            local = self.starts[first:end] - byte_start
            result[first + np.searchsorted(local, found, side="right") - 1] = True
            return
        if width:
            result[first:end] = hit.reshape(count, width).any(axis=1)
        else:
            result[first:end] = np.logical_or.reduceat(hit, self.starts[first:end] - byte_start)
