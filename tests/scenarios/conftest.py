"""The SPEC §12 scenarios drive the HTTP API with the fixtures of ``tests/e2e/conftest.py``.

That module is loaded here under a name of its own (test folders are not packages), and its
fixtures are re-exported so that pytest finds them for the tests in this folder.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_NAME = "bascule_tests_e2e_fixtures"
_PATH = Path(__file__).resolve().parents[1] / "e2e" / "conftest.py"

if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, _PATH)
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _module
    _spec.loader.exec_module(_module)

_fixtures = sys.modules[_NAME]
app_database = _fixtures.app_database
app = _fixtures.app
database = _fixtures.database
users = _fixtures.users
api = _fixtures.api
rows = _fixtures.rows
form_key = _fixtures.form_key
