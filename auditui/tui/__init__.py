"""The terminal browser (Textual): the App, the session it shows, its flows, widgets, dialogs.

- `session.Session`: the state of one browsing session (source, range, store, view,
  filter, load counts), with one owner and no Textual: the App and the flows read it,
  only its methods assign it.
- `app.AuditApp`: composes the screen, wires widget messages and load reports to the
  flows, runs the actions (`actions.APP_ACTIONS`: keys, help rows, palette entries;
  `bindings_help`: the rows and entries of every pane).
- `flows/`: load, filter, login and export; each talks to the session and its widgets,
  never to another flow.
- `widgets/` and `dialogs/`: Textual widgets and modal screens; they post messages and
  know nothing of the App.
- `launch.run_app`: terminal checks, signals, then `AuditApp.run()` (the CLI's entry; it
  imports Textual only when a browser really opens). `handoff`: clipboard, pager, editor
  (no secret in their environment). `bounded_json`: JSON indented only when that stays
  small (a payload nested thousands deep is handed on compact).

Nothing is imported here, so `import auditui.tui.launch` stays cheap.
"""
