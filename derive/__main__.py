"""``python -m derive``: the command line (see :mod:`derive.cli`)."""

from __future__ import annotations

if __name__ == "__main__":
    from derive.cli import main

    raise SystemExit(main())
