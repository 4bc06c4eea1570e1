"""Credit hold state of a customer: none, warning or hold, with the reasons.

Pure Python, no ORM. The models pass the customer's figures and the company's
settings; the reasons come back as codes with their figures so that the models
can word them in the user's language.

Reasons that put a customer on *hold*:

- ``manual``: a credit manager put it on hold;
- ``dunning``: a dunning level that blocks was reached;
- ``over_limit``: exposure (with the document being confirmed) exceeds the limit;
- ``overdue``: an open invoice is overdue by more than the hold days.

Reasons for a *warning*: exposure above the warning share of the limit, or an
invoice overdue by more than the warning days. While a credit manager's release
is in force, the automatic reasons (over limit, overdue) only warn.
"""

from dataclasses import dataclass

NONE, WARNING, HOLD = "none", "warning", "hold"
_RANK = {NONE: 0, WARNING: 1, HOLD: 2}


@dataclass(frozen=True)
class HoldSettings:
    warning_percent: float = 90.0  # of the credit limit; 0 disables
    warning_overdue_days: int = 15  # 0 disables
    hold_overdue_days: int = 60  # 0 disables

    def validate(self):
        if not 0 <= self.warning_percent <= 100:
            raise ValueError(
                "The warning threshold is a share of the limit, 0 to 100 %."
            )
        if self.warning_overdue_days < 0 or self.hold_overdue_days < 0:
            raise ValueError("Overdue days for a warning or a hold cannot be negative.")
        if (
            self.warning_overdue_days
            and self.hold_overdue_days
            and self.warning_overdue_days > self.hold_overdue_days
        ):
            raise ValueError(
                "The overdue days for a warning (%s) must not exceed those for a hold "
                "(%s)." % (self.warning_overdue_days, self.hold_overdue_days)
            )


@dataclass(frozen=True)
class HoldInputs:
    exposure: float = 0.0  # in the limit's currency, with the document if any
    credit_limit: float = 0.0  # 0: no limit
    max_days_overdue: int = 0  # of the oldest open overdue invoice
    manual: bool = False
    dunning: bool = False
    released: bool = False  # a credit manager's release is in force


@dataclass(frozen=True)
class Reason:
    code: str
    state: str
    exposure: float = 0.0
    limit: float = 0.0
    days: int = 0
    threshold: float = 0.0


DEFAULT_SETTINGS = HoldSettings()


def evaluate_hold(inputs, settings=DEFAULT_SETTINGS):
    """Return ``(state, reasons)``, reasons ordered from the most serious."""
    reasons = []
    if inputs.manual:
        reasons.append(Reason("manual", HOLD))
    if inputs.dunning:
        reasons.append(Reason("dunning", HOLD))
    automatic = WARNING if inputs.released else HOLD
    limit = inputs.credit_limit
    if limit and limit > 0:
        if inputs.exposure > limit:
            reasons.append(
                Reason("over_limit", automatic, exposure=inputs.exposure, limit=limit)
            )
        elif (
            settings.warning_percent
            and inputs.exposure > limit * settings.warning_percent / 100.0
        ):
            reasons.append(
                Reason(
                    "near_limit",
                    WARNING,
                    exposure=inputs.exposure,
                    limit=limit,
                    threshold=settings.warning_percent,
                )
            )
    days = inputs.max_days_overdue
    if settings.hold_overdue_days and days > settings.hold_overdue_days:
        reasons.append(
            Reason(
                "overdue", automatic, days=days, threshold=settings.hold_overdue_days
            )
        )
    elif settings.warning_overdue_days and days > settings.warning_overdue_days:
        reasons.append(
            Reason(
                "overdue_warning",
                WARNING,
                days=days,
                threshold=settings.warning_overdue_days,
            )
        )
    reasons.sort(key=lambda reason: -_RANK[reason.state])
    state = reasons[0].state if reasons else NONE
    return state, reasons
