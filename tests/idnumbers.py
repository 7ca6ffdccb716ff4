"""Resident ID numbers for the tests, built by GB 11643-1999's own algorithm, written out here.

Independent of the code under test (``impact.monitoring.idnumbers``) and of python-stdnum:
the standard's ISO 7064 MOD 11-2 weights are ``2 ** (17 - i) mod 11`` for the digit at
index ``i`` (0 to 16, left to right: 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2), and the check character is
``(12 - (sum mod 11)) mod 11``, written X when it is 10.
"""

WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def check_character(body: str) -> str:
    """The GB 11643 check character of 17 digits."""
    assert len(body) == 17 and body.isdigit(), body
    total = sum(int(digit) * weight for digit, weight in zip(body, WEIGHTS, strict=True))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def with_check(body: str) -> str:
    """The 18-character ID number: ``body`` and its check character."""
    return body + check_character(body)


def wrong_check(number: str) -> str:
    """``number`` with a check character that is not its own."""
    right = check_character(number[:17])
    return number[:17] + ("1" if right != "1" else "2")
