#!/usr/bin/python3
"""Cases for the engine's html.unescape(), with Python's own answers.

Writes to the file named by its argument, for each case, the input and
html.unescape(input), each followed by a NUL byte, UTF-8. The cases: every key of html.entities.html5
(2,231: the 2,125 names with their ';', and the legacy ones without)
alone, between words, followed by letters, by digits and by a ';', and in
capitals; numeric references across the ranges html.unescape treats
specially; and random strings of reference-like pieces (fixed seed).
Run by tests/test-textclean.c; nothing here comes from the engine.
"""
import html
import html.entities
import random
import sys


def cases():
    for key in html.entities.html5:
        name = key.rstrip(";")
        yield "&" + key
        yield "x &" + key + " y"
        yield "&" + key + "abc"
        yield "&" + key + "12;"
        yield "&" + name + ";;"
        yield "&" + name.upper() + ";"
        yield "&" + key + "&" + key
    special = [0, 1, 8, 9, 10, 11, 12, 13, 14, 31, 32, 38, 59, 127, 0xA0,
               0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0xFDCF,
               0xFDEF, 0xFDF0, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x1FFFE,
               0x10FFFE, 0x10FFFF, 0x110000, 0x7FFFFFFF, 10**30]
    special += list(range(0x7E, 0xA1)) + list(range(0xFDD0, 0xFDF0))
    for n in special:
        yield "&#%d;" % n
        yield "&#%d" % n
        yield "&#x%x;" % n
        yield "&#X%X" % n
        yield "a&#%07d;b" % n
    yield from ["&", "&;", "&#", "&#;", "&#x", "&#x;", "&#xg;", "&&amp;",
                "& amp;", "&\tamp;", "&\namp;", "&\famp;", "&\ramp;",
                "&#65a;", "&#x41g", "&" + "a" * 31 + ";", "&" + "a" * 33,
                "&" + "é" * 40 + ";", "&ampé;", "&notin", "&notit;",
                "&notinva", "&copy123", "&am", "&a"]
    rng = random.Random(11)
    names = list(html.entities.html5)
    pieces = ["&", "&#", "&#x", ";", "#", "x", "X", "1", "9", "a", "F", " ",
              "\t", "\n", "<", "é", "\u2019", "amp", "lt", "not", "in"]
    for _ in range(20000):
        parts = [rng.choice(pieces) for _ in range(rng.randint(1, 8))]
        if rng.random() < 0.5:
            parts.insert(rng.randint(0, len(parts)), rng.choice(names))
        yield "".join(parts)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: html_unescape_cases.py OUTPUT")
    with open(sys.argv[1], "wb") as out:
        for text in cases():
            assert "\0" not in text
            out.write(text.encode("utf-8") + b"\0")
            out.write(html.unescape(text).encode("utf-8") + b"\0")


if __name__ == "__main__":
    main()
