"""What monitoring announces to the rest of the app.

``households_assessed`` says that re-assessment has written new levels and figures.

``households_changed`` is sent, inside the transaction that changed them, with
``household_ids`` (sorted, never empty) and the assessment ``channel`` whenever
the facts the warning rules read change (an edit, an income, an expenditure,
an import). ``impact.monitoring.receivers`` queues their re-assessment on commit.
"""

from django.dispatch import Signal

households_changed = Signal()

# Sent once a re-assessment has written its households' levels (inside its last batch's
# transaction, or after it), with ``household_ids`` (sorted; None for every household).
# ``impact.targeting.receivers`` refreshes the targeting figures they touch on commit.
households_assessed = Signal()
