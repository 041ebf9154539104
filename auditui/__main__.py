"""`python -m auditui`: the same entry point as the `auditui` console script."""

from auditui.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
