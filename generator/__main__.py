from __future__ import annotations

from cfroutes.cli.main import main

raise SystemExit(main())
