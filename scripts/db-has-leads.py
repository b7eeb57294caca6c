"""Exit 0 when the configured database already holds leads, 3 when it holds none.

``make run`` uses it to load the demo data only once. Any other exit status is an error.
"""

from __future__ import annotations

import sys

from sqlalchemy import select

from bascule.config import Settings
from bascule.storage.db import make_engine
from bascule.storage.tables import Lead

NO_LEADS = 3


def main() -> int:
    engine = make_engine(Settings().database_url)
    try:
        with engine.connect() as conn:
            has_leads = conn.execute(select(Lead.id).limit(1)).first() is not None
    finally:
        engine.dispose()
    return 0 if has_leads else NO_LEADS


if __name__ == "__main__":
    sys.exit(main())
