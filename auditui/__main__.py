"""`python -m auditui`: the same entry point as the `auditui` console script."""

from auditui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
