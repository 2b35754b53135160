"""National Provider Identifier check digits (Luhn over the number prefixed with 80840)."""

# CMS computes an NPI's check digit as if it were a health-card number with the
# issuer prefix 80840, so the same digits pass a plain Luhn check once prefixed.
_NPI_PREFIX = "80840"


def _luhn_sum(digits: str) -> int:
    """Return the Luhn sum of ``digits``, doubling every second digit from the right."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total


def npi_check_digit(first_nine: str) -> str:
    """Return the check digit (one character) for the first nine digits of an NPI."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("An NPI body is exactly nine digits.")
    return str((10 - _luhn_sum(_NPI_PREFIX + first_nine) % 10) % 10)


def is_valid_npi(npi: str) -> bool:
    """Return True when ``npi`` is ten digits whose last digit is the right check digit."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    return npi_check_digit(npi[:9]) == npi[9]
