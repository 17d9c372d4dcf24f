"""How numbers typed by people (search boxes, form fields, query strings) are read: one way.

`'¹'.isdigit()` is true but `int('¹')` raises, and `int('٣')` is 3: only ASCII digits count, and
only as many as a database id can hold, so no input reaches `int()` that it cannot take.
"""

MAX_DIGITS = 18  # fits a 64-bit id


def whole_number(text, *, max_digits: int = MAX_DIGITS) -> int | None:
    """The whole number `text` spells (an optional leading "#" is allowed), or None."""
    if not isinstance(text, str):
        return None
    text = text.strip().removeprefix("#")
    if not (text.isascii() and text.isdecimal()) or len(text) > max_digits:
        return None
    return int(text)


def whole_numbers(values) -> list[int]:
    """The whole numbers among `values`, skipping anything else."""
    return [n for n in (whole_number(v) for v in values) if n is not None]
