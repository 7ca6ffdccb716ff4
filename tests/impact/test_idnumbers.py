"""Resident ID numbers by GB 11643-1999 (ISO 7064 MOD 11-2), checked against the standard."""

import datetime
import random

import pytest

from impact.monitoring.idnumbers import IdNumberError, id_number_clean
from tests.idnumbers import check_character, with_check, wrong_check

CHECK_CHARACTERS = "0123456789X"


def test_the_standards_published_example_is_accepted():
    # GB 11643-1999's own example: 北京市朝阳区, born 1949-12-31, check character X.
    assert check_character("11010519491231002") == "X"
    assert id_number_clean("11010519491231002X") == "11010519491231002X"
    assert id_number_clean(" 11010519491231002x ") == "11010519491231002X"


def test_the_test_helper_follows_the_standards_weights():
    # The weights printed in GB 11643-1999, table 1 (an outside vector for the helper itself).
    from tests.idnumbers import WEIGHTS

    assert WEIGHTS == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",
        "110105194912310020",
        "11010519491231002",  # 17: too short
    ],
)
def test_the_published_example_with_another_check_character_is_refused(number):
    with pytest.raises(IdNumberError):
        id_number_clean(number)


def test_a_wrong_check_digit_is_refused_with_its_message():
    with pytest.raises(IdNumberError, match="校验码"):
        id_number_clean(wrong_check(with_check("53011319800101001")))


def test_for_random_prefixes_exactly_one_check_character_is_accepted():
    rng = random.Random(11643)
    counties = ["110105", "530113", "530128", "530129", "440305"]
    for _ in range(300):
        birth = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 90))
        body = f"{rng.choice(counties)}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
        accepted = []
        for character in CHECK_CHARACTERS:
            try:
                id_number_clean(body + character)
            except IdNumberError:
                continue
            accepted.append(character)
        assert accepted == [check_character(body)], body


def test_a_number_the_old_code_accepted_is_refused_and_the_right_one_accepted():
    # For 53011319800101001 the standard's check character is 4; the earlier code ran
    # python-stdnum's ric check over 16 digits only and wanted 9.
    assert check_character("53011319800101001") == "4"
    assert id_number_clean("530113198001010014") == "530113198001010014"
    with pytest.raises(IdNumberError, match="校验码"):
        id_number_clean("530113198001010019")
