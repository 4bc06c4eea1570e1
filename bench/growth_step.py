"""``bench.py`` with the most frequent query shapes added to its JSON.

    python bench/growth_step.py scores|dunning --db ... [--days-after 1]

Same arguments, same measure, same output as ``bench.py``, plus
``frequent_queries``: the query shapes run most often, (count, seconds,
shape). A shape whose count grows with the customers or the reminders, not
with the batches, is a query per record. ``growth.py`` runs each step
through it. Falls back to plain ``bench.py`` if its harness has changed.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench

FREQUENT = 8


def _patch():
    """Wrap ``bench.measure`` so that its figures include the most frequent
    query shapes of the ``bench.QueryStats`` it used."""
    stats_class, measure = bench.QueryStats, bench.measure
    used = []

    class Stats(stats_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            used.append(self)

    def measured(*args, **kwargs):
        used.clear()
        result, figures = measure(*args, **kwargs)
        if used and isinstance(figures, dict):
            stats = used[-1]
            shapes = sorted(stats.count, key=stats.count.get, reverse=True)
            figures["frequent_queries"] = [
                (stats.count[s], round(stats.time[s], 2), s) for s in shapes[:FREQUENT]
            ]
        return result, figures

    bench.QueryStats, bench.measure = Stats, measured


if __name__ == "__main__":
    try:
        _patch()
    except AttributeError as error:  # bench.py's harness changed
        print(f"growth_step: no frequent queries ({error})", file=sys.stderr)
    bench.main()
