"""Statistics over the loaded events, for the side panels (core, no Textual).

- `facets`: the values of user, action, status, source, object type and client IP over a
  selection with their counts, each with the query term that selects it (`compute_facets`);
- `timeline`: events per time bucket over the loaded range and its sparkline (`histogram`);
- `neighbours`: the previous event of the same actor and on the same object (`neighbours_for`);
- `actor`: one user's (IP's, object's) events in time order with the gap to the previous
  one and "first seen" badges (`actor_events`), for the actor view.
Facets read the query engine's search index (`auditui.query`); both give query terms that
select exactly what they counted. Callers outside import from here; names are re-exported
lazily (PEP 562), so a caller loads only the modules it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.lazy import lazy_exports

if TYPE_CHECKING:
    from auditui.stats.actor import (
        BADGE_LABELS,
        BADGES,
        SUBJECT_KINDS,
        ActorEvents,
        Subject,
        SubjectKind,
        actor_events,
        actor_subject,
        format_gap,
    )
    from auditui.stats.facets import (
        FACET_FIELDS,
        Facet,
        FacetValue,
        compute_facets,
        facet_term,
        quote_value,
    )
    from auditui.stats.neighbours import (
        Neighbours,
        build_neighbours,
        current_neighbours,
        neighbours_for,
    )
    from auditui.stats.timeline import (
        BARS,
        DEFAULT_BUCKETS,
        Histogram,
        histogram,
        sparkline,
        time_terms,
    )

_WHERE = {
    "BADGE_LABELS": "actor",
    "BADGES": "actor",
    "SUBJECT_KINDS": "actor",
    "ActorEvents": "actor",
    "Subject": "actor",
    "SubjectKind": "actor",
    "actor_events": "actor",
    "actor_subject": "actor",
    "format_gap": "actor",
    "FACET_FIELDS": "facets",
    "Facet": "facets",
    "FacetValue": "facets",
    "compute_facets": "facets",
    "facet_term": "facets",
    "quote_value": "facets",
    "Neighbours": "neighbours",
    "build_neighbours": "neighbours",
    "current_neighbours": "neighbours",
    "neighbours_for": "neighbours",
    "BARS": "timeline",
    "DEFAULT_BUCKETS": "timeline",
    "Histogram": "timeline",
    "histogram": "timeline",
    "sparkline": "timeline",
    "time_terms": "timeline",
}

__all__ = [
    "BADGES",
    "BADGE_LABELS",
    "BARS",
    "DEFAULT_BUCKETS",
    "FACET_FIELDS",
    "SUBJECT_KINDS",
    "ActorEvents",
    "Facet",
    "FacetValue",
    "Histogram",
    "Neighbours",
    "Subject",
    "SubjectKind",
    "actor_events",
    "actor_subject",
    "build_neighbours",
    "compute_facets",
    "current_neighbours",
    "facet_term",
    "format_gap",
    "histogram",
    "neighbours_for",
    "quote_value",
    "sparkline",
    "time_terms",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
