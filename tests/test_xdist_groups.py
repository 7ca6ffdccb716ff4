"""The xdist groups of conftest.py reach pytest-xdist's scheduler.

``--dist loadgroup`` keeps the tests of one ``xdist_group`` in one worker only if the node
ids each worker reports end with ``@group``: xdist writes that suffix in the worker's
collection, and its scheduler reads it back. With pytest 9.2 the suffix was silently lost
(pytest-dev/pytest-xdist#1386): the browser series, the real Celery workers on the
suite's broker and the Redis databases of /readyz ran in both workers at once, and no test
said so. This one does, in every worker, over every test the worker collected.
"""

import pytest

from conftest import XDIST_GROUPS


def test_every_grouped_test_is_reported_to_the_scheduler_with_its_group(request):
    config = request.config
    if not getattr(config.option, "loadgroup", False):
        pytest.skip("not an xdist worker with --dist loadgroup (-n0 runs one after another)")
    items = request.session.items
    lost = []
    seen: dict[str, int] = {}
    for item in items:
        groups = {mark.args[0] for mark in item.iter_markers("xdist_group")}
        if not groups:
            continue
        suffix = "@" + "_".join(sorted(groups))
        if not item.nodeid.endswith(suffix):
            lost.append(f"{item.nodeid} (want {suffix})")
        for group in groups:
            seen[group] = seen.get(group, 0) + 1
    assert lost == [], f"{len(lost)} tests lost their xdist group, e.g. " + "\n".join(lost[:5])
    # Each of conftest.py's groups still names tests (a rule that matches nothing is stale),
    # when the whole suite is collected.
    if len(items) > 1000:
        assert sorted(seen) == sorted(group for group, _ in XDIST_GROUPS), seen
