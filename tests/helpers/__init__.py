"""Code the tests share; a test module imports helpers from here, never from another test.

- `app`: the auditui App on a seeded demo server (`make_app`, `loaded_app`, `served`) and
  readers of its widgets (`table`, `detail`, `header`, `view_uuids`, ...).
- `pilot`: driving and reading any Textual app (`settle`, `wait_for`, `idle`,
  `screen_text`, `messages`, `toast_texts`, `search_palette`).
- `hosts`: tiny host apps for one widget or dialog (`DetailApp`, `TreeApp`, `DialogHost`).
- `events`: API log entries (`raw`) and decoded `AuditEvent`s (`decode`).
- `hostile`: issue 6's hostile-input corpus and hostile events, as dicts and raw JSON.
- `terminal`: a child process on a pseudo-terminal (`Terminal`).
- `tls`: throwaway certificates and a TLS server answering no logs.
- `cache_files`: window cache files in the layouts older versions wrote.
- `demo` and `keyring_service`: pytest plugins (loaded by tests/conftest.py) for the demo
  data set and server, and a real Secret Service.
"""
