"""Statistics over the loaded events, for the side panels (core, no Textual).

- `facets`: the values of user, action, status, source, object type and client IP over a
  selection with their counts, each with the query term that selects it (`compute_facets`);
- `timeline`: events per time bucket over the loaded range and its sparkline (`histogram`);
- `neighbours`: the previous event of the same actor and on the same object (`neighbours_for`);
- `actor`: one user's (IP's, object's) events in time order with the gap to the previous
  one and "first seen" badges (`actor_events`), for the actor view.
Facets read the query engine's search index (`auditui.query`); both give query terms that
select exactly what they counted. Callers outside import from here.
"""

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
