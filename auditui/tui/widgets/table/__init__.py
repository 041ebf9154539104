"""The event table: a virtual list over an `EventView` that formats only the rows on screen.

`event_table.EventTable` (the widget and its messages), `rows` (cells, rows and the header
as strips), `layout` (column widths), `messages` (the messages' base classes).
"""
