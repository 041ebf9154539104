"""The range a request asks for: its JSON body parsed as the API does, or FastAPI's 422.

`parse_range` returns `(start, end)` (aware UTC, None when unbounded) or the `detail` list of
pydantic-shaped validation errors the demo server answers with.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def _error(kind: str, loc: list[str | int], msg: str, value: object) -> dict[str, Any]:
    """One FastAPI/pydantic-shaped validation error."""
    return {"type": kind, "loc": loc, "msg": msg, "input": value}


def _parse_bound(name: str, value: object) -> dict[str, Any] | datetime | None:
    """The parsed bound (aware UTC), None when unbounded, or a validation error dict."""
    loc: list[str | int] = ["body", name]
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            reason = "input is not an ISO 8601 date-time"
            error = _error(
                "datetime_from_date_parsing",
                loc,
                f"Input should be a valid datetime or date, {reason}",
                value,
            )
            error["ctx"] = {"error": reason}
            return error
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 2e10 else value  # pydantic: big means ms
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            msg = "Input should be a valid datetime, dates after 9999 are not supported"
            return _error("datetime_parsing", loc, msg, value)
    return _error("datetime_type", loc, "Input should be a valid datetime", value)


def parse_range(body: bytes) -> tuple[datetime | None, datetime | None] | list[dict[str, Any]]:
    """The (start, end) a request body asks for, or the 422 `detail` list explaining why not."""
    if not body.strip():
        return None, None
    try:
        value = json.loads(body)
    except ValueError as exc:
        decode_error = exc if isinstance(exc, json.JSONDecodeError) else None
        pos = decode_error.pos if decode_error else 0
        error = _error("json_invalid", ["body", pos], "JSON decode error", {})
        error["ctx"] = {"error": decode_error.msg if decode_error else "invalid UTF-8"}
        return [error]
    if value is None:
        return None, None
    if not isinstance(value, dict):
        msg = "Input should be a valid dictionary or object to extract fields from"
        return [_error("model_attributes_type", ["body"], msg, value)]
    start = _parse_bound("start_date", value.get("start_date"))
    end = _parse_bound("end_date", value.get("end_date"))
    errors = [bound for bound in (start, end) if isinstance(bound, dict)]
    if errors:
        return errors
    assert not isinstance(start, dict) and not isinstance(end, dict)
    if start is not None and end is not None and start > end:
        reason = "start_date must not be after end_date"
        error = _error("value_error", ["body"], f"Value error, {reason}", value)
        error["ctx"] = {"error": reason}
        return [error]
    return start, end
