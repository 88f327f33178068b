"""``python -m weex_events``: the ``weex-events`` command.

Imports: ``cli``.
"""

from .cli import main

raise SystemExit(main())
