"""The schemas the security formats are checked against, offline.

OCSF: `ocsf_validator()` is a `jsonschema` Draft 2020-12 validator for the API Activity
class of `export.ocsf.OCSF_VERSION` with the profiles the output declares. Its JSON Schema
comes from `ocsf-json-schema`, which ships the schema.ocsf.io exports of every released
OCSF version and builds a class's JSON Schema from them (required attributes, types, enums
and the type patterns such as `ip_t` and `email_t`, no attribute outside the class or
object: `additionalProperties: false`), the same way schema.ocsf.io's JSON Schema export
does. (ocsf-lib, the OCSF project's own library, compiles and compares schemas but has no
validator for events.)

ECS: `ecs_fields()` reads `tests/data/ecs/ecs-8.17.0-fields.json`, every field of ECS 8.17.0
with its type and the allowed values of `event.kind`, `event.category` (with the event
types each expects), `event.type` and `event.outcome`, made from `generated/ecs/ecs_flat.yml`
of the elastic/ecs repository at tag v8.17.0 (Apache-2.0).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from auditui.export.ocsf import OCSF_VERSION, PROFILES

ECS_FIELDS = Path(__file__).resolve().parent.parent / "data" / "ecs" / "ecs-8.17.0-fields.json"


@cache
def ocsf_class_schema(version: str = OCSF_VERSION) -> dict[str, Any]:
    """The JSON Schema of API Activity in OCSF `version`, its objects embedded."""
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version=version))
    class_schema: dict[str, Any] = schema.get_class_schema("api_activity", list(PROFILES))
    return class_schema


@cache
def ocsf_validator(version: str = OCSF_VERSION) -> Any:
    """A Draft 2020-12 validator of API Activity objects (the schema itself checked first)."""
    class_schema = ocsf_class_schema(version)
    Draft202012Validator.check_schema(class_schema)
    return Draft202012Validator(class_schema)


def ocsf_errors(record: dict[str, Any]) -> list[str]:
    """Why `record` is not a valid API Activity object ([] when it is)."""
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message[:300]}"
        for error in ocsf_validator().iter_errors(record)
    ]


@cache
def ecs_fields() -> dict[str, Any]:
    """ECS 8.17.0: `fields` (name → type) and `allowed_values` (see the module doc)."""
    data: dict[str, Any] = json.loads(ECS_FIELDS.read_text())
    return data


def flat_names(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested document's leaves as dotted names (`{"a": {"b": 1}}` → `{"a.b": 1}`)."""
    flat: dict[str, Any] = {}
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flat_names(value, f"{name}."))
        else:
            flat[name] = value
    return flat
