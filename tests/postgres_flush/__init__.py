"""PostgreSQL's backend for the suite, emptying tables with DELETE instead of TRUNCATE.

A test that commits (a live server, a worker process) ends with Django's flush of every
table, and the demo snapshot is put back after it (tests/db_snapshot.py). On PostgreSQL
Django's flush is one ``TRUNCATE`` of all 224 tables, which gives each table and index a new
file: 0.66-0.9 s on the idle 2-core machine (a browser test's teardown took 10-20 s while
the other worker ran). ``DELETE FROM`` each table, in the same transaction, empties the
demo's few rows in 0.04-0.05 s. PostgreSQL's own advice for small tables is the same
("TRUNCATE ... is faster than DELETE on large tables"; on small ones the file work dominates).

Row triggers are off for the delete (``SET LOCAL session_replication_role = replica``): the
ledger's append-only trigger refuses a DELETE (TRUNCATE never fires it), and foreign keys need
no order when every table is emptied at once. Changing that setting needs a superuser, which
the suite's role is in CI; for any other role, and when a flush resets sequences or empties
only some tables (``available_apps``, CASCADE), Django's TRUNCATE runs as before.

``DATABASES["default"]["ENGINE"] = "tests.postgres_flush"`` (config/settings/test.py) makes
Django use this backend: PostgreSQL's own, with the ``sql_flush`` of ``base.py``.
"""
