"""The widgets of the main screen; each posts messages and knows nothing of the App.

`table/` (the event table), `detail.DetailPane` (one event: fields and payload),
`json_tree.JsonTree` (the payload as a lazy tree), `filter_bar.FilterBar` (query input,
history, counter), `facets.FacetsPanel`, `timeline.Timeline`, `status_bar` (the header
line and the progress lines).
"""
