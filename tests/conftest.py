"""tests/replica/ runs only in the pytest that core/tests/test_replicas.py starts with
``DATABASE_REPLICA_URLS`` set (the settings are read once, at start-up); other runs do not
collect it, rather than list its tests as skipped."""

import os

collect_ignore = [] if os.environ.get("DATABASE_REPLICA_URLS") else ["replica"]
