"""Mask personal data in what citizens type before it is stored for the editors (AVG/GDPR).

Masked: e-mail addresses, phone numbers, IBANs, and any run of six or more digits (BSN,
client and case numbers). Postcodes and house numbers stay: they rarely identify one person
alone and editors need them to see what was asked ("grofvuil 1234 AB").
"""

from __future__ import annotations

import re

_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-mail]"),
    (re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{4}(?:\s?\d){10}\b", re.IGNORECASE), "[iban]"),
    (re.compile(r"(?:\+31|0031|\b0)[\s-]?\d(?:[\s-]?\d){7,9}\b"), "[telefoon]"),
    (re.compile(r"(?:\d[\s.-]?){5,}\d"), "[nummer]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
