import pytest


@pytest.fixture(autouse=True)
def _households_not_yet_assessed(request):
    """Start each impact test from the demo households before their first evaluation.

    load_demo runs a first periodic evaluation; these tests assert exact
    levels and clues of their own, so that evaluation is set aside inside the
    test's transaction (and comes back when it rolls back).
    """
    if "django_db_setup" not in request.fixturenames and not request.node.get_closest_marker(
        "django_db"
    ):
        yield
        return
    request.getfixturevalue("db")
    from impact.models import Assessment, Clue, ClueStep, HouseholdStatus, MonitoringTarget

    MonitoringTarget.objects.all().delete()  # the demo's targets name its clues
    ClueStep.objects.all().delete()
    Clue.objects.all().delete()
    HouseholdStatus.objects.all().delete()
    Assessment.objects.all().delete()
    yield
