"""Which dunning level a customer reaches on a given day, and level fees.

Pure Python, no ORM. A policy is an ordered list of levels; each level is
reached a number of days after the invoice's due date (negative: a courtesy
reminder *before* it), or a number of days after the previous level was sent.

The customer is the unit: one message per customer speaks with one voice. Its
level is the most advanced level its overdue items have reached under the
policy, moving up one step per reminder actually sent (:func:`customer_level`).
A courtesy reminder goes alone only when nothing is overdue
(:func:`courtesy_level`).

Rules, in the order a collections team expects them:

- levels never go backwards, and a run moves an invoice up one level at most,
  so a customer never receives the formal notice without the reminders;
- a level keeps the policy's spacing from the level sent before it: after a
  late first reminder (a run missed, a new policy) the next one waits as many
  days as the policy puts between the two, never the day after;
- a courtesy level (before the due date) is only sent before the due date: an
  invoice first seen after it goes straight to the first reminder;
- a broken payment promise escalates at once to the next level, whatever the
  days (``force_next``).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

DUE, PREVIOUS = "due", "previous"
ZERO = Decimal("0")


@dataclass(frozen=True)
class LevelRule:
    key: int  # the level's id
    rank: int  # 1 for the first level of the policy, 2 for the next...
    delay_type: str  # DUE or PREVIOUS
    delay_days: int

    @property
    def is_courtesy(self):
        return self.delay_type == DUE and self.delay_days < 0


@dataclass(frozen=True)
class LineState:
    due_date: date
    current_rank: int = 0  # 0: no level reached yet
    current_date: date | None = None  # when the current level was sent
    force_next: bool = False


def validate_levels(levels):
    """Raise ValueError when a policy's levels cannot work together."""
    ranks = [level.rank for level in levels]
    if len(set(ranks)) != len(ranks):
        raise ValueError("Two levels of the policy have the same order.")
    for level in levels:
        if level.delay_type not in (DUE, PREVIOUS):
            raise ValueError(f"Unknown delay type {level.delay_type!r}.")
        if level.delay_type == PREVIOUS and level.delay_days < 0:
            raise ValueError(
                "A level counted from the previous one needs 0 days or more."
            )
    ordered = sorted(levels, key=lambda level: level.rank)
    due_days = [lv.delay_days for lv in ordered if lv.delay_type == DUE]
    if due_days != sorted(due_days):
        raise ValueError(
            "Levels counted from the due date must come later and later: "
            "reorder them or change their days."
        )


def level_date(rule, line, previous=None):
    """The day ``rule`` becomes due for ``line``.

    :param previous: the LevelRule ``line`` reached last, if any
    """
    if rule.delay_type == PREVIOUS and line.current_date:
        return line.current_date + timedelta(days=rule.delay_days)
    day = line.due_date + timedelta(days=rule.delay_days)
    if previous is not None and previous.delay_type == DUE and line.current_date:
        spacing = rule.delay_days - previous.delay_days
        day = max(day, line.current_date + timedelta(days=spacing))
    return day


def next_level(levels, line, today):
    """The level ``line`` reaches on ``today``, or None.

    :param levels: the LevelRule of the policy, in any order
    """
    higher = sorted(
        (level for level in levels if level.rank > line.current_rank),
        key=lambda level: level.rank,
    )
    if today >= line.due_date:
        # Past the due date a courtesy reminder has no point: go to the next
        # real reminder instead.
        higher = [level for level in higher if not level.is_courtesy]
    if not higher:
        return None
    candidate = higher[0]
    if line.force_next:
        return candidate
    previous = next(
        (level for level in levels if level.rank == line.current_rank), None
    )
    return candidate if today >= level_date(candidate, line, previous) else None


@dataclass(frozen=True)
class CustomerState:
    """Where a customer's dunning stands, from the reminders actually sent.

    ``current_rank`` and ``current_date`` are the highest level reached by its
    open overdue items and the day that reminder was sent; ``oldest_due_date``
    is the due date of its oldest claimable overdue item (None: nothing is
    overdue); ``force_next``: a broken promise escalates at once.
    """

    oldest_due_date: date | None
    current_rank: int = 0
    current_date: date | None = None
    force_next: bool = False


def customer_level(levels, customer, today):
    """The level of the customer's reminder on ``today``, or None.

    One step above the level already sent, when the oldest overdue item has
    reached it under the policy and the policy's spacing from the last reminder
    has passed (a broken promise skips the wait).
    """
    if customer.oldest_due_date is None or customer.oldest_due_date >= today:
        return None
    line = LineState(
        due_date=customer.oldest_due_date,
        current_rank=customer.current_rank,
        current_date=customer.current_date,
        force_next=customer.force_next,
    )
    return next_level(levels, line, today)


def courtesy_level(levels, upcoming, today):
    """A courtesy reminder for items not yet due: (level, indexes of the items
    it announces), or (None, []).

    Only for a customer with nothing overdue (the caller checks): each item in
    its courtesy window and not yet announced at that level is announced once;
    the message takes the most advanced courtesy level among them.

    :param upcoming: LineState of the items not yet due, each with the
        courtesy level it reached (0: none)
    """
    found = []
    for index, line in enumerate(upcoming):
        if line.due_date < today:
            continue
        rule = next_level(levels, line, today)
        if rule is not None and rule.is_courtesy:
            found.append((index, rule))
    if not found:
        return None, []
    level = max((rule for _index, rule in found), key=lambda rule: rule.rank)
    return level, [index for index, _rule in found]


def fee_amount(kind, fixed=ZERO, percent=ZERO, cap=None, base=ZERO):
    """Fee of a level on ``base`` (the amount reminded), rounded to the cent.

    ``kind`` is "none", "fixed" (``fixed``) or "percent" (``percent`` % of
    ``base``, at most ``cap`` when a cap is set).
    """
    if kind == "none":
        return Decimal("0.00")
    if kind == "fixed":
        amount = Decimal(fixed)
    elif kind == "percent":
        amount = Decimal(base) * Decimal(percent) / Decimal(100)
        if cap:
            amount = min(amount, Decimal(cap))
    else:
        raise ValueError(f"Unknown fee kind {kind!r}.")
    if amount < 0:
        raise ValueError("A dunning fee cannot be negative.")
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
