"""Identifier schemes: NHS number, UPN, PNC id, CRN, police nominal, LA person id.

All generators take a ``random.Random`` and a ``set`` of values already issued,
so every identifier is unique within one world.

* NHS number: 10 digits, modulus 11.  Weights 10..2 on the first nine digits;
  check = 11 - (sum mod 11); 11 -> 0; 10 is never issued.
* UPN: check letter + 3-digit LA number + 4-digit DfE establishment number +
  2-digit year of issue + 3-digit serial.  The check letter is
  ``ALPHABET[sum(i * ALPHABET.index(c) for i, c in enumerate(body, 2)) % 23]``
  over the 12 characters after it, ALPHABET = 'ABCDEFGHJKLMNPQRTUVWXYZ0123456789'
  (the DfE scheme, as validated by ``stdnum.gb.upn``).
* PNC id: ``YYYY/NNNNNNNL``.  The check character is
  ``'ZABCDEFGHJKLMNPQRTUVWXY'[int(yy + nnnnnnn) % 23]`` where ``yy`` is the
  2-digit year and ``nnnnnnn`` the 7-digit serial, concatenated as a 9-digit
  number (e.g. 2009/0123456 -> int('090123456') % 23).
* CRN: one letter + six digits (``X123456``).
* Police nominal: ``N`` + 7 digits.  LA person id: ``LA`` + 7 digits.
"""
from __future__ import annotations

import random

UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ0123456789"
PNC_CHECK = "ZABCDEFGHJKLMNPQRTUVWXY"
# LA numbers of a fictional county's schools (all are real DfE LA codes so
# that stdnum validates them).
UPN_LAS = (855, 856, 857, 928, 925)


def nhs_check_digit(first9: str) -> int | None:
    total = sum(int(c) * w for c, w in zip(first9, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_is_valid(number: str) -> bool:
    s = number.replace(" ", "")
    if len(s) != 10 or not s.isdigit():
        return False
    return nhs_check_digit(s[:9]) == int(s[9])


def make_nhs(rng: random.Random, used: set) -> str:
    while True:
        first9 = str(rng.choice((4, 6, 7))) + "%08d" % rng.randrange(10**8)
        c = nhs_check_digit(first9)
        if c is None:
            continue
        n = first9 + str(c)
        if n not in used:
            used.add(n)
            return n


def upn_check_letter(body12: str) -> str:
    return UPN_ALPHABET[sum(i * UPN_ALPHABET.index(c) for i, c in enumerate(body12, 2)) % 23]


def upn_is_valid(upn: str) -> bool:
    if len(upn) != 13 or not upn[1:12].isdigit():
        return False
    return upn_check_letter(upn[1:]) == upn[0]


def make_upn(rng: random.Random, used: set, issue_year: int, la: int | None = None,
             school: int | None = None) -> str:
    la = la if la is not None else rng.choice(UPN_LAS)
    while True:
        est = school if school is not None else rng.choice((2001, 2004, 2117, 2230, 3012, 3105, 4000, 5201))
        body = "%03d%04d%02d%03d" % (la, est, issue_year % 100, rng.randrange(1000))
        upn = upn_check_letter(body) + body
        if upn not in used:
            used.add(upn)
            return upn


def pnc_check_char(year: int, serial: int) -> str:
    return PNC_CHECK[int("%02d%07d" % (year % 100, serial)) % 23]


def pnc_is_valid(pnc: str) -> bool:
    if len(pnc) != 13 or pnc[4] != "/" or not pnc[:4].isdigit() or not pnc[5:12].isdigit():
        return False
    return pnc_check_char(int(pnc[:4]), int(pnc[5:12])) == pnc[12]


def make_pnc(rng: random.Random, used: set, year: int) -> str:
    while True:
        serial = rng.randrange(10**7)
        p = "%04d/%07d%s" % (year, serial, pnc_check_char(year, serial))
        if p not in used:
            used.add(p)
            return p


def make_crn(rng: random.Random, used: set) -> str:
    while True:
        c = "%s%06d" % (rng.choice("ABCDEFGHJKLMNPRSTUVWX"), rng.randrange(10**6))
        if c not in used:
            used.add(c)
            return c


def make_nominal(rng: random.Random, used: set) -> str:
    while True:
        n = "N%07d" % rng.randrange(10**6, 10**7)
        if n not in used:
            used.add(n)
            return n


def make_la_id(rng: random.Random, used: set) -> str:
    while True:
        n = "LA%07d" % rng.randrange(10**6, 10**7)
        if n not in used:
            used.add(n)
            return n


def make_uprn(rng: random.Random, used: set) -> str:
    while True:
        n = "%012d" % rng.randrange(10**11, 2 * 10**11)
        if n not in used:
            used.add(n)
            return n
