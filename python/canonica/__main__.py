"""`python -m canonica`: the command line."""

from canonica.cli import main

raise SystemExit(main())
