"""Statistics over the loaded events, for the side panels (core, no Textual).

- `facets`: the values of user, action, status, source, object type and client IP over a
  selection with their counts, each with the query term that selects it (`compute_facets`);
- `timeline`: events per time bucket over the loaded range and its sparkline (`histogram`).
Facets read the query engine's search index (`auditui.query`); both give query terms that
select exactly what they counted. Callers outside import from here.
"""

from auditui.stats.facets import (
    FACET_FIELDS,
    Facet,
    FacetValue,
    compute_facets,
    facet_term,
    quote_value,
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
    "BARS",
    "DEFAULT_BUCKETS",
    "FACET_FIELDS",
    "Facet",
    "FacetValue",
    "Histogram",
    "compute_facets",
    "facet_term",
    "histogram",
    "quote_value",
    "sparkline",
    "time_terms",
]
