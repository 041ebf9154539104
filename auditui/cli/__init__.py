"""The `auditui` command line: `main(argv)` parses, dispatches and turns errors into lines.

`cli.main` holds argparse and the error handling and imports only the standard library at
start (so `--help` and `--version` stay light); each command family lives in its own module
(`browse`, `fetch`, `auth`, `cache`, `demo`), imported when its command runs.
"""

from auditui.cli.main import main

__all__ = ["main"]
