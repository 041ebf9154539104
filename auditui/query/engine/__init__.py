"""The query engine: a store's search index and the fast evaluation of compiled queries.

- `search_index`: the lowercase search text of every event, dictionary-encoded per field
  group (`SearchIndex`, `index_for(store)`, `field_text` for one event);
- `index`: evaluation per combination and per event (`select`), used for few candidates
  and for what the vector path cannot do;
- `vector`: whole-store numpy masks (imported on the first query, never at start-up);
- `text_column`: vectorised substring search over many texts (numpy);
- `exact`: exact terms (`field:="value"`, case-sensitive) by candidate, never per event;
- `common`: what `index` and `vector` share (result type, per-text tests, uuid search,
  time bisection).

Only the numpy-free names are exported here, so importing the package stays cheap; import
`auditui.query.engine.vector` or `.text_column` as modules where numpy is wanted.
"""

from auditui.query.engine.search_index import SearchIndex, field_text, index_for, index_ready

__all__ = ["SearchIndex", "field_text", "index_for", "index_ready"]
