"""What monitoring announces to the rest of the app.

``households_changed`` is sent, inside the transaction that changed them, with
``household_ids`` (sorted, never empty) and the assessment ``channel`` whenever
the facts the warning rules read change (an edit, an income, an expenditure,
an import). ``impact.monitoring.receivers`` queues their re-assessment on commit.
"""

from django.dispatch import Signal

households_changed = Signal()
