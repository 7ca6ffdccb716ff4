"""The impact app's models, in four modules; every model is importable from ``impact.models``.

- ``monitoring``: regions, households, incomes, expenditures, thresholds, assessments, clues,
  help measures, self-declarations, staff scopes, the audit log, the monitoring settings;
- ``ledger``: the attribution ledger, its outbox of jobs, the levels sales moved;
- ``payouts``: what producers paid households, how it was set against what was due, and
  the follow-ups that checked it;
- ``reporting``: the reports' summary tables;
- ``targeting``: the stored lift and gap figures (projections, aggregates only);
- ``targets``: the official monitoring status (监测对象) and its risk elimination.
"""

from .ledger import AttributionEntry, AttributionJob, SalesLevelChange
from .monitoring import (
    NON_NEGATIVE,
    WARNING_LEVELS,
    Assessment,
    AuditEvent,
    Clue,
    ClueStep,
    Declaration,
    EvaluationLock,
    HelpMeasure,
    Household,
    HouseholdStatus,
    IncomeRecord,
    MonitoringSettings,
    ReassessmentRun,
    Region,
    RigidExpenditure,
    StaffScope,
    Threshold,
)
from .payouts import Payout, PayoutAllocation, PayoutFollowUp, PayoutSettings
from .reporting import (
    AttributionMonth,
    BuyerMonth,
    BuyerType,
    HouseholdPeriodIncome,
    LevelSnapshot,
    ReachPeriod,
    SalesMonth,
)
from .targeting import GapFigure, LiftFigure
from .targets import MonitoringTarget

__all__ = [
    "NON_NEGATIVE",
    "WARNING_LEVELS",
    "Assessment",
    "AttributionEntry",
    "AttributionJob",
    "AttributionMonth",
    "AuditEvent",
    "BuyerMonth",
    "BuyerType",
    "Clue",
    "ClueStep",
    "Declaration",
    "EvaluationLock",
    "GapFigure",
    "HelpMeasure",
    "Household",
    "HouseholdPeriodIncome",
    "HouseholdStatus",
    "IncomeRecord",
    "LevelSnapshot",
    "LiftFigure",
    "MonitoringSettings",
    "MonitoringTarget",
    "Payout",
    "PayoutAllocation",
    "PayoutFollowUp",
    "PayoutSettings",
    "ReachPeriod",
    "ReassessmentRun",
    "Region",
    "RigidExpenditure",
    "SalesLevelChange",
    "SalesMonth",
    "StaffScope",
    "Threshold",
]
