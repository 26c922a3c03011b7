from __future__ import annotations

from pypi2nix.cli import main

raise SystemExit(main())
