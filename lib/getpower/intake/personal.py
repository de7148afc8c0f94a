"""Personal data recognised by what values look like: mainland mobile numbers (also written
`139-1234-5678` or `139 1234 5678`), resident ID numbers (18 characters with a valid birth date and
check digit, GB 11643, or the 15-digit numbers issued before 1999) and e-mail addresses, whole or
inside a text.

A column outside the contract whose values are such numbers is dropped (:func:`personal_columns`);
inside text that is kept (区县, 佐证材料) or shown (a quarantined row), each such number is masked
(:func:`mask`). Amounts and codes that merely have as many digits are left alone: a mobile number is
not followed by a unit (`15000000000元`), an ID number must pass its check digit.

>>> mask("联系电话：13800138000，身份证 11010519491231002X")
'联系电话：[已屏蔽]，身份证 [已屏蔽]'
>>> mask("完成投资15000000000元，项目代码330106202310150012")
'完成投资15000000000元，项目代码330106202310150012'
>>> mask("电话13912345678. 或 139-1234-5678，旧证 330106850312123，邮箱 kongming@example.com")
'电话[已屏蔽]. 或 [已屏蔽]，旧证 [已屏蔽]，邮箱 [已屏蔽]'
"""
from __future__ import annotations

import re

import polars as pl

from getpower.contract import MOBILE_RE, RESIDENT_ID_RE

MASK = "[已屏蔽]"
# candidates, in polars (Rust regex, no look-around): a superset of what :func:`mask` masks
_MOBILE_IN = r"1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}"
_ID_IN = r"[1-9][0-9]{5}(?:18|19|20)?[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"
_EMAIL_IN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+"
# not an amount: a number followed by a unit of money, length or power, or by decimals
_NOT_AMOUNT = r"(?![0-9]|\.[0-9]|[元万亿米%]|千瓦|[kK][wW])"
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}" + _NOT_AMOUNT)
_ID = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9xX](?![0-9])")
# the 15-digit ID numbers issued before 1999 (YYMMDD, no check digit)
_OLD_ID = re.compile(r"(?<![0-9])[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}" + _NOT_AMOUNT)
_EMAIL = re.compile(_EMAIL_IN)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_ok(number: str) -> bool:
    """The check digit of an 18-character resident ID number (ISO 7064 MOD 11-2).

    >>> id_check_ok("11010519491231002X"), id_check_ok("110105194912310021")
    (True, False)
    """
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS))
    return "10X98765432"[total % 11] == number[17].upper()


def mask(text: str | None) -> str | None:
    """``text`` with every mobile and (valid) resident ID number replaced by ``[已屏蔽]``."""
    if text is None:
        return None
    text = _ID.sub(lambda m: MASK if id_check_ok(m.group()) else m.group(), text)
    text = _OLD_ID.sub(MASK, text)
    text = _EMAIL.sub(MASK, text)
    return _MOBILE.sub(MASK, text)


def maybe_personal(expr: pl.Expr) -> pl.Expr:
    """Cells that may hold such a number (a fast superset, checked exactly by :func:`mask`)."""
    return expr.str.contains(f"{_MOBILE_IN}|{_ID_IN}|@")  # one pass over the text, not three


def mask_columns(df: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, dict[str, int]]:
    """``df`` with :func:`mask` applied to ``columns``, and how many cells each had masked. Only
    the candidate cells are looked at in Python."""
    counts: dict[str, int] = {}
    for c in columns:
        hit = df.select(maybe_personal(pl.col(c)).fill_null(False)).to_series()
        if not hit.any():
            counts[c] = 0
            continue
        old = df[c].filter(hit).to_list()
        new = [mask(v) for v in old]
        counts[c] = sum(a != b for a, b in zip(old, new))
        if counts[c]:
            full = df[c].to_list()
            for i, v in zip(hit.arg_true().to_list(), new):
                full[i] = v
            df = df.with_columns(pl.Series(c, full, pl.String))
    return df, counts


def personal_columns(df: pl.DataFrame, columns: list[str], sample: int) -> list[str]:
    """Those of ``columns`` whose values (the first ``sample`` of each) include a whole mobile
    number or a valid resident ID number."""
    out = []
    for c in columns:
        v = df[c].drop_nulls().head(sample).str.replace_all(r"[\s-]", "")
        mobile = v.str.contains(MOBILE_RE).any()
        ids = v.filter(v.str.contains(RESIDENT_ID_RE)).to_list()
        if mobile or any(id_check_ok(x) for x in ids):
            out.append(c)
    return out
