"""The cast and vocabulary of the demo data: users, actions and their payloads.

Static tables only (plus payload builders that draw from a caller's `random.Random`):
who works at the fictional Acme Analytics, which Datafold actions exist, which URL,
page, HTTP method and sentence belong to each, and what their payloads look like.
`auditui.demo.data` decides when things happen and assembles the events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from random import Random
from typing import Any

APP = "https://app.datafold.com"
ORG_ID = 1842

Payload = dict[str, Any] | None
PayloadBuilder = Callable[[Random, "User", int], Payload]

CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/123.0.0.0 Safari/537.36 Edg/123.0.2420.81"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15"
)
API_AGENTS = ("python-requests/2.31.0", "datafold-sdk/0.4.1 python/3.11.8")
CI_AGENTS = ("datafold-sdk/0.4.1 (GitHub Actions; ubuntu-22.04)", "GitHub-Hookshot/8e0c2a1")
SCHEDULER_AGENTS = ("Apache-Airflow/2.8.4 datafold-sdk/0.4.1", "dbt-cloud-webhooks/1.0")


@dataclass(frozen=True, slots=True)
class User:
    """One account that appears in the audit log."""

    email: str
    user_id: int
    kind: str  # "human", "support" or "service"
    role: str  # "admin", "editor" or "viewer"
    activity: float  # relative share of its kind's events
    ips: tuple[str, ...]
    web_agent: str
    api_share: float  # humans: how often they use the API instead of the web app


def _human(i: int, name: str, role: str, activity: float, agent: str, v6: bool = False) -> User:
    ips: tuple[str, ...] = (f"203.0.113.{20 + i}", f"198.51.100.{100 + i}")
    if v6:
        ips = (*ips, f"2001:db8:ac3e:{i:x}::{17 + i:x}")
    api = 0.25 if role == "admin" else (0.1 if i % 3 == 0 else 0.02)
    return User(
        f"{name}@acme-analytics.com", 1040 + i * 7, "human", role, activity, ips, agent, api
    )


USERS: tuple[User, ...] = (
    _human(0, "alice.nguyen", "admin", 3.0, CHROME),
    _human(1, "bob.kowalski", "editor", 2.5, FIREFOX),
    _human(2, "carmen.diaz", "editor", 2.2, CHROME, v6=True),
    _human(3, "deepak.rao", "admin", 1.8, CHROME_WIN),
    _human(4, "emma.schultz", "editor", 2.0, SAFARI),
    _human(5, "farid.haddad", "editor", 1.6, CHROME),
    _human(6, "grace.oconnor", "viewer", 0.8, SAFARI, v6=True),
    _human(7, "hiro.tanaka", "editor", 1.9, FIREFOX),
    _human(8, "ines.moreau", "viewer", 0.6, CHROME),
    _human(9, "jamal.wright", "editor", 1.4, CHROME_WIN),
    _human(10, "kate.lindqvist", "editor", 1.2, CHROME, v6=True),
    _human(11, "liam.obrien", "viewer", 0.5, SAFARI),
    _human(12, "maya.patel", "admin", 1.1, CHROME),
    _human(13, "nikolai.petrov", "editor", 1.7, FIREFOX),
    _human(14, "olivia.chen", "editor", 1.5, CHROME),
    _human(15, "pedro.alves", "viewer", 0.4, CHROME_WIN),
    _human(16, "quinn.foster", "editor", 1.0, SAFARI),
    _human(17, "rosa.jimenez", "viewer", 0.7, CHROME, v6=True),
    _human(18, "sam.okafor", "editor", 1.3, FIREFOX),
    User("ana.ferreira@datafold.com", 88, "support", "admin", 1.0, ("34.102.136.180",),
         CHROME, 0),
    User("marcus.lee@datafold.com", 131, "support", "admin", 0.7, ("34.102.136.181",),
         SAFARI, 0),
    User("priya.shah@datafold.com", 207, "support", "admin", 0.5, ("2600:1900:4000::2a",),
         CHROME, 0),
    User("ci-bot@acme-analytics.com", 1900, "service", "editor", 3.0,
         ("140.82.112.4", "140.82.113.21"), CI_AGENTS[0], 1),
    User("dbt-cloud-sync@acme-analytics.com", 1901, "service", "editor", 1.5,
         ("52.45.144.63",), SCHEDULER_AGENTS[1], 1),
    User("airflow-svc@acme-analytics.com", 1902, "service", "editor", 2.5,
         ("10.20.3.17", "10.20.3.18"), SCHEDULER_AGENTS[0], 1),
)  # fmt: skip

TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ANALYTICS.PROD.ORDERS", ("ORDER_ID", "CUSTOMER_ID", "ORDER_TS", "STATUS", "AMOUNT_USD",
                               "CURRENCY", "CHANNEL", "DISCOUNT_CODE")),
    ("ANALYTICS.PROD.CUSTOMERS", ("CUSTOMER_ID", "EMAIL_HASH", "COUNTRY", "SIGNUP_TS", "PLAN",
                                  "LIFETIME_VALUE", "IS_ACTIVE")),
    ("ANALYTICS.PROD.SESSIONS", ("SESSION_ID", "USER_ID", "STARTED_AT", "ENDED_AT", "DEVICE",
                                 "PAGES", "REFERRER")),
    ("ANALYTICS.PROD.INVOICES", ("INVOICE_ID", "ORDER_ID", "ISSUED_AT", "DUE_AT", "TOTAL", "TAX",
                                 "PAID")),
    ("ANALYTICS.MARTS.FCT_REVENUE", ("DAY", "REGION", "PRODUCT_LINE", "GROSS", "NET", "REFUNDS",
                                     "ORDERS")),
    ("ANALYTICS.MARTS.DIM_PRODUCTS", ("PRODUCT_ID", "SKU", "NAME", "CATEGORY", "PRICE",
                                      "LAUNCHED_AT")),
    ("RAW.STRIPE.CHARGES", ("ID", "AMOUNT", "CURRENCY", "CREATED", "CUSTOMER", "STATUS",
                            "REFUNDED")),
    ("RAW.SALESFORCE.OPPORTUNITIES", ("ID", "ACCOUNT_ID", "STAGE", "AMOUNT", "CLOSE_DATE",
                                      "OWNER_ID")),
)  # fmt: skip

DATA_SOURCES: tuple[tuple[int, str, str], ...] = (
    (3, "snowflake-prod", "snowflake"),
    (7, "bigquery-marketing", "bigquery"),
    (11, "postgres-app-replica", "postgresql"),
    (14, "databricks-lakehouse", "databricks"),
)
MONITOR_TYPES = ("metric", "data_diff", "schema_change", "data_test")
CHANNELS = ("#data-alerts", "#analytics-eng", "#oncall-data", "#finance-data")
ROLES = ("viewer", "editor", "admin")


def _pick(rng: Random, items: tuple[Any, ...]) -> Any:
    return items[int(rng.random() * len(items))]


def _table(rng: Random) -> tuple[str, tuple[str, ...]]:
    table: tuple[str, tuple[str, ...]] = _pick(rng, TABLES)
    return table


def _dev(name: str, rng: Random) -> str:
    schema = _pick(rng, ("DEV_ALICE", "DEV_BOB", "PR_1482", "PR_1490", "STAGING"))
    return name.replace(".PROD.", f".{schema}.").replace(".MARTS.", f".{schema}.")


def p_login(rng: Random, user: User, oid: int) -> Payload:
    method = "sso" if user.kind == "support" or rng.random() < 0.7 else "password"
    return {"method": method, "mfa": method == "password", "session_ttl_hours": 12}


def p_logout(rng: Random, user: User, oid: int) -> Payload:
    return {} if rng.random() < 0.3 else {"reason": _pick(rng, ("user", "session_expired"))}


def p_login_failed(rng: Random, user: User, oid: int) -> Payload:
    reason = _pick(rng, ("invalid_password", "invalid_password", "mfa_failed", "sso_error"))
    return {"reason": reason, "attempt": 1 + int(rng.random() * 3), "locked": False}


def p_api_key(rng: Random, user: User, oid: int) -> Payload:
    scopes = ["audit_logs:read"] if rng.random() < 0.3 else ["datadiffs:write", "monitors:read"]
    return {
        "name": _pick(rng, ("ci", "airflow", "local-dev", "audit-export", "dbt-cloud")),
        "key_prefix": f"dfk_{rng.getrandbits(24):06x}",
        "scopes": scopes,
        "expires_in_days": _pick(rng, (30, 90, 365, None)),
    }


def p_invite(rng: Random, user: User, oid: int) -> Payload:
    role = _pick(rng, ROLES[:2])
    first = _pick(rng, ("tom", "zoe", "yusuf", "lena", "omar", "mia"))
    return {"invitee": f"{first}.new@acme-analytics.com", "role": role, "groups": ["analytics"]}


def p_role_change(rng: Random, user: User, oid: int) -> Payload:
    before = _pick(rng, ROLES[:2])
    after = "admin" if before == "editor" else "editor"
    return {
        "target_user_id": oid,
        "before": {"role": before, "groups": ["analytics"]},
        "after": {"role": after, "groups": ["analytics", "data-platform"]},
    }


def p_deactivate(rng: Random, user: User, oid: int) -> Payload:
    return {"target_user_id": oid, "reason": "offboarding", "transfer_ownership_to": user.user_id}


def p_diff_create(rng: Random, user: User, oid: int) -> Payload:
    name, columns = _table(rng)
    return {
        "data_source_id": DATA_SOURCES[0][0],
        "table1": name,
        "table2": _dev(name, rng),
        "pk_columns": [columns[0]],
        "columns_to_compare": list(columns[1 : 3 + int(rng.random() * 5)]),
        "algorithm": _pick(rng, ("join", "hashdiff")),
        "sampling": {"enabled": rng.random() < 0.3, "tolerance": 0.001, "confidence": 0.95},
        "filter": _pick(rng, (None, "ORDER_TS >= '2024-01-01'", "IS_ACTIVE = TRUE")),
    }


def p_diff_run(rng: Random, user: User, oid: int) -> Payload:
    name, columns = _table(rng)
    rows = 10_000 + int(rng.random() * 5_000_000)
    different = int(rng.random() * rows * 0.004) if rng.random() < 0.6 else 0
    result: dict[str, Any] = {
        "diff_id": oid,
        "table1": name,
        "table2": _dev(name, rng),
        "state": "done",
        "duration_seconds": round(2 + rng.random() * 300, 2),
        "rows": {"table1": rows, "table2": rows - different // 3, "values_different": different},
        "match_ratio": round(1 - different / rows, 6),
        "columns": list(columns),
    }
    if rng.random() < 0.03:  # now and then a big result with per-column statistics
        result["column_stats"] = [
            {
                "column": f"{columns[i % len(columns)]}_{i // len(columns)}",
                "match_ratio": round(1 - rng.random() * 0.01, 5),
                "values_different": int(rng.random() * different) if different else 0,
                "nulls": {"table1": int(rng.random() * 50), "table2": int(rng.random() * 50)},
                "type_changed": rng.random() < 0.02,
            }
            for i in range(20 + int(rng.random() * 41))
        ]
    return result


def p_diff_view(rng: Random, user: User, oid: int) -> Payload:
    return {"tab": _pick(rng, ("overview", "values", "columns", "primary_keys", "schema"))}


def p_monitor_create(rng: Random, user: User, oid: int) -> Payload:
    name, _ = _table(rng)
    return {
        "name": f"{name.rsplit('.', 1)[1].lower()} freshness",
        "type": _pick(rng, MONITOR_TYPES),
        "schedule": {"cron": _pick(rng, ("0 * * * *", "*/15 * * * *", "0 6 * * 1-5"))},
        "notifications": [{"channel": "slack", "target": _pick(rng, CHANNELS)}],
        "enabled": True,
    }


def p_monitor_update(rng: Random, user: User, oid: int) -> Payload:
    low = round(rng.random() * 10, 1)
    return {
        "monitor_id": oid,
        "before": {"enabled": True, "threshold": {"min": low, "max": 100.0}, "tags": ["finance"]},
        "after": {"enabled": rng.random() < 0.8, "threshold": {"min": low + 5, "max": 95.0},
                  "tags": ["finance", "tier-1"]},
    }  # fmt: skip


def p_monitor_delete(rng: Random, user: User, oid: int) -> Payload:
    incidents = rng.random() < 0.4
    return {"monitor_id": oid, "type": _pick(rng, MONITOR_TYPES), "had_incidents": incidents}


def p_monitor_run(rng: Random, user: User, oid: int) -> Payload:
    result = _pick(rng, ("ok", "ok", "ok", "ok", "alert", "error"))
    value = None if result == "error" else round(rng.random() * 1000, 3)
    trigger = "schedule" if user.kind == "service" else "manual"
    return {"monitor_id": oid, "trigger": trigger, "result": result, "metric_value": value,
            "duration_ms": 200 + int(rng.random() * 20_000)}  # fmt: skip


def p_ci_run(rng: Random, user: User, oid: int) -> Payload:
    total = 1 + int(rng.random() * 12)
    return {
        "repository": "acme-analytics/dbt-analytics",
        "pull_request": 1400 + int(rng.random() * 120),
        "commit_sha": f"{rng.getrandbits(160):040x}",
        "branch": _pick(rng, ("feature/revenue-v2", "fix/null-currency", "chore/dbt-1.8")),
        "ci_config_id": 12,
        "diffs": {"total": total, "with_differences": int(rng.random() * total), "failed": 0},
        "tables": [t[0] for t in TABLES[: min(total, len(TABLES))]],
    }


def p_source_create(rng: Random, user: User, oid: int) -> Payload:
    return {"name": "snowflake-sandbox", "type": "snowflake",
            "settings": {"account": "acme-xy12345", "warehouse": "TRANSFORMING",
                         "role": "DATAFOLD_ROLE", "password": "********"}}  # fmt: skip


def p_source_update(rng: Random, user: User, oid: int) -> Payload:
    return {"data_source_id": oid,
            "before": {"warehouse": "TRANSFORMING", "max_concurrent_queries": 4},
            "after": {"warehouse": "TRANSFORMING_XL", "max_concurrent_queries": 8}}  # fmt: skip


def p_source_test(rng: Random, user: User, oid: int) -> Payload:
    ok = rng.random() < 0.9
    checks = [{"name": "connection", "ok": True}, {"name": "permissions", "ok": ok}]
    return {"result": "ok" if ok else "error", "latency_ms": 40 + int(rng.random() * 900),
            "checks": checks}  # fmt: skip


def p_sso(rng: Random, user: User, oid: int) -> Payload:
    return {"before": {"provider": "okta", "enforce_sso": False,
                       "allowed_domains": ["acme-analytics.com"]},
            "after": {"provider": "okta", "enforce_sso": True,
                      "allowed_domains": ["acme-analytics.com", "acme.io"]}}  # fmt: skip


def p_export(rng: Random, user: User, oid: int) -> Payload:
    return {"format": _pick(rng, ("csv", "json")), "days": _pick(rng, (7, 30, 90)),
            "rows": int(rng.random() * 200_000)}  # fmt: skip


def p_org(rng: Random, user: User, oid: int) -> Payload:
    return {"before": {"pii_masking": False, "retention_days": 90, "default_sampling": True},
            "after": {"pii_masking": True, "retention_days": 180,
                      "default_sampling": True}}  # fmt: skip


def p_none(rng: Random, user: User, oid: int) -> Payload:
    return None


@dataclass(frozen=True, slots=True)
class Action:
    """One kind of audited operation: its object, HTTP shape, page and sentence."""

    name: str
    object_type: str
    method: str
    path: str  # under /api/v1/, may hold {id}
    page: str | None  # the app page a browser was on (referer path), may hold {id}
    sentence: str  # "{who} ... {id}"
    payload: PayloadBuilder
    admin_only: bool = False


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("user.login", "user", "POST", "auth/login", "login",
           "{who} logged in", p_login),
    Action("user.logout", "user", "POST", "auth/logout", "datadiffs",
           "{who} logged out", p_logout),
    Action("user.login_failed", "user", "POST", "auth/login", "login",
           "failed login for {who}", p_login_failed),
    Action("api_key.create", "api_key", "POST", "api_keys", "settings/account",
           "{who} created API key #{id}", p_api_key),
    Action("api_key.revoke", "api_key", "DELETE", "api_keys/{id}", "settings/account",
           "{who} revoked API key #{id}", p_api_key),
    Action("user.invite", "user", "POST", "users/invite", "settings/users",
           "{who} invited user #{id}", p_invite, True),
    Action("user.role_change", "user", "PATCH", "users/{id}", "settings/users/{id}",
           "{who} changed the role of user #{id}", p_role_change, True),
    Action("user.deactivate", "user", "DELETE", "users/{id}", "settings/users/{id}",
           "{who} deactivated user #{id}", p_deactivate, True),
    Action("data_diff.create", "data_diff", "POST", "datadiffs", "datadiffs/new",
           "{who} created data diff #{id}", p_diff_create),
    Action("data_diff.run", "data_diff", "POST", "datadiffs/{id}/rerun", "datadiffs/{id}/overview",
           "{who} ran data diff #{id}", p_diff_run),
    Action("data_diff.view", "data_diff", "GET", "datadiffs/{id}/summary_results",
           "datadiffs/{id}/overview",
           "{who} viewed data diff #{id}", p_diff_view),
    Action("monitor.create", "monitor", "POST", "monitors", "monitors/new",
           "{who} created monitor #{id}", p_monitor_create),
    Action("monitor.update", "monitor", "PATCH", "monitors/{id}", "monitors/{id}/edit",
           "{who} updated monitor #{id}", p_monitor_update),
    Action("monitor.delete", "monitor", "DELETE", "monitors/{id}", "monitors/{id}",
           "{who} deleted monitor #{id}", p_monitor_delete),
    Action("monitor.run", "monitor", "POST", "monitors/{id}/run", "monitors/{id}",
           "{who} ran monitor #{id}", p_monitor_run),
    Action("monitor.view", "monitor", "GET", "monitors/{id}", "monitors",
           "{who} viewed monitor #{id}", p_none),
    Action("ci.run", "ci_run", "POST", "ci/12/trigger", None,
           "{who} started CI run #{id}", p_ci_run),
    Action("data_source.create", "data_source", "POST", "data_sources", "settings/data_sources/new",
           "{who} created data source #{id}", p_source_create, True),
    Action("data_source.update", "data_source", "PUT", "data_sources/{id}",
           "settings/data_sources/{id}",
           "{who} updated data source #{id}", p_source_update, True),
    Action("data_source.delete", "data_source", "DELETE", "data_sources/{id}",
           "settings/data_sources/{id}",
           "{who} deleted data source #{id}", p_none, True),
    Action("data_source.test", "data_source", "POST", "data_sources/{id}/test",
           "settings/data_sources/{id}",
           "{who} tested data source #{id}", p_source_test),
    Action("sso.settings_update", "organization", "PUT", "organization/sso", "settings/sso",
           "{who} updated SSO settings", p_sso, True),
    Action("audit_logs.export", "organization", "GET", "audit_logs", "settings/audit_logs",
           "{who} exported audit logs", p_export, True),
    Action("organization.settings_update", "organization", "PATCH", "organization/settings",
           "settings/organization",
           "{who} updated organization settings", p_org, True),
)}  # fmt: skip

# Relative frequencies of actions per kind of account (service accounts each have their own).
HUMAN_MIX: dict[str, float] = {
    "user.login": 8, "user.logout": 3, "user.login_failed": 0.8, "data_diff.view": 22,
    "data_diff.run": 12, "data_diff.create": 7, "monitor.view": 8, "monitor.create": 1.5,
    "monitor.update": 3, "monitor.delete": 0.4, "monitor.run": 2.5, "data_source.test": 0.8,
    "data_source.update": 0.3, "data_source.create": 0.1, "data_source.delete": 0.04,
    "api_key.create": 0.3, "api_key.revoke": 0.2, "user.invite": 0.25, "user.role_change": 0.15,
    "user.deactivate": 0.05, "sso.settings_update": 0.04, "audit_logs.export": 0.15,
    "organization.settings_update": 0.08,
}  # fmt: skip
SUPPORT_MIX: dict[str, float] = {
    "user.login": 5, "user.logout": 2, "data_diff.view": 6, "monitor.view": 3,
    "data_source.test": 1, "organization.settings_update": 0.2, "audit_logs.export": 0.1,
}  # fmt: skip
SERVICE_MIX: dict[str, dict[str, float]] = {
    "ci-bot@acme-analytics.com": {"ci.run": 10, "data_diff.create": 6, "data_diff.run": 6},
    "dbt-cloud-sync@acme-analytics.com": {"data_source.update": 0.5, "monitor.update": 3,
                                          "data_diff.run": 3, "ci.run": 2},
    "airflow-svc@acme-analytics.com": {"monitor.run": 10, "data_diff.run": 4},
}  # fmt: skip
