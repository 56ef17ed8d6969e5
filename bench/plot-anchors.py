#!/usr/bin/python3
"""Draws every recorded anchor run of bench/README.md as one picture.

The runs Z1, Z2, ... of bench/README.md were all made by the same command
(bench-anchors.py --threads 2 --rounds 3 --precision fp32,bf16,int8
--targets) and are kept there as markdown tables, one per section. This
script reads those tables (any table whose header starts with "run" and
names the columns below) and draws, per target, each run's ratio against
ONNX Runtime's fp32 in the same run, in run order: green where the target
was met, red where it was not, the target as a dashed line, and the
sections of the README (a day's runs, one or more commits) as alternating
bands. Nothing is measured here; the picture only shows the record.

Needs Debian's python3-cairo.

Usage: bench/plot-anchors.py [--readme bench/README.md]
           [--out bench/anchor-runs.png]
"""

import argparse
import os
import re
import sys

import cairo

HERE = os.path.dirname(os.path.abspath(__file__))

# column of the README's tables, title, target (ratio at most)
PANELS = [
    ("fp32 b1", "vision fp32, batch 1 / ONNX Runtime fp32", 0.8),
    ("fp32 b8", "vision fp32, batch 8, per image / ONNX Runtime fp32", 0.8),
    ("bf16 b1", "vision bf16, batch 1 / ONNX Runtime fp32", 0.4),
    ("int8 b1", "vision int8, batch 1 / ONNX Runtime fp32", 0.3),
]

GREEN = (0.13, 0.55, 0.13)
RED = (0.80, 0.10, 0.10)
GREY = (0.35, 0.35, 0.35)


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def ratio(text):
    """(value, met) of a table cell, met None where the value decides.
    Older runs kept two decimals, with a note where that hid the
    verdict: "0.80 (just over)", "0.40 (under)", "0.40 (0.403)"."""
    m = re.fullmatch(r"([0-9.]+)(?: \((.*)\))?", text)
    if not m:
        return None
    note = m.group(2) or ""
    if re.fullmatch(r"[0-9.]+", note):
        return float(note), None
    if "over" in note or "above" in note:
        return float(m.group(1)), False
    if "under" in note or "at most" in note:
        return float(m.group(1)), True
    return (float(m.group(1)), None) if not note else None


def is_met(value, target):
    r, met = value
    return r <= target if met is None else met


def read_runs(path):
    """[(number, section, {column: value})] for every Z run, in run order.
    @section counts the README's headings, so runs of one section share
    it."""
    runs = {}
    section = 0
    header = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                section += 1
                header = None
                continue
            if not line.startswith("|"):
                header = None
                continue
            row = cells(line)
            if header is None:
                if row and row[0] == "run":
                    header = row
                continue
            m = re.fullmatch(r"Z(\d+)", row[0])
            if not m or len(row) != len(header):
                continue
            values = {}
            for name, text in zip(header, row):
                value = ratio(text)
                if value:
                    values[name] = value
            n = int(m.group(1))
            if n in runs:
                sys.exit(f"{path}: run Z{n} is recorded twice")
            runs[n] = (section, values)
    return [(n, runs[n][0], runs[n][1]) for n in sorted(runs)]


def draw(runs, out):
    width, panel_h, left, right, top = 1100, 210, 70, 20, 62
    height = top + panel_h * len(PANELS) + 40
    surface = cairo.ImageSurface(cairo.FORMAT_RGB24, width, height)
    cr = cairo.Context(surface)
    cr.set_source_rgb(1, 1, 1)
    cr.paint()
    cr.select_font_face("sans", cairo.FONT_SLANT_NORMAL,
                        cairo.FONT_WEIGHT_NORMAL)

    first, last = runs[0][0], runs[-1][0]
    plot_w = width - left - right

    def x_of(n):
        return left + (n - first + 0.5) / (last - first + 1) * plot_w

    cr.set_source_rgb(0, 0, 0)
    cr.set_font_size(16)
    cr.move_to(left, 24)
    cr.show_text(f"Anchor runs Z{first} to Z{last} of bench/README.md, "
                 "random ViT-B/32, two threads")
    cr.set_font_size(12)
    cr.move_to(left, 44)
    cr.show_text("Each dot: the engine's time over ONNX Runtime's fp32 time "
                 "in the same run (bench-anchors.py --targets)")

    for p, (column, title, target) in enumerate(PANELS):
        y0 = top + p * panel_h
        y1 = y0 + panel_h - 45
        points = [(n, v[column]) for n, _, v in runs if column in v]
        if not points:
            continue
        values = [r for _, (r, _) in points] + [target]
        lo, hi = min(values), max(values)
        pad = (hi - lo) * 0.08 or 0.05
        lo, hi = lo - pad, hi + pad

        def y_of(r):
            return y1 - (r - lo) / (hi - lo) * (y1 - y0 - 20)

        # the README's sections as alternating bands
        start = 0
        for i in range(1, len(runs) + 1):
            if i == len(runs) or runs[i][1] != runs[start][1]:
                if len(set(s for _, s, _ in runs[:start])) % 2:
                    cr.set_source_rgb(0.93, 0.93, 0.96)
                    xa = x_of(runs[start][0]) - plot_w / (last - first + 1) / 2
                    xb = x_of(runs[i - 1][0]) + plot_w / (last - first + 1) / 2
                    cr.rectangle(xa, y0 + 20, xb - xa, y1 - y0 - 20)
                    cr.fill()
                start = i

        met = sum(1 for _, v in points if is_met(v, target))
        cr.set_source_rgb(0, 0, 0)
        cr.set_font_size(13)
        cr.move_to(left, y0 + 14)
        cr.show_text(f"{title}: target <= {target}, met in {met} of "
                     f"{len(points)} runs")

        # axes and ticks
        cr.set_source_rgb(*GREY)
        cr.set_line_width(1)
        cr.rectangle(left, y0 + 20, plot_w, y1 - y0 - 20)
        cr.stroke()
        cr.set_font_size(10)
        step = 0.02 if hi - lo < 0.12 else 0.05 if hi - lo < 0.4 else 0.1
        tick = round(lo / step + 0.5) * step
        while tick < hi:
            y = y_of(tick)
            cr.move_to(left - 4, y)
            cr.line_to(left, y)
            cr.stroke()
            label = f"{tick:.2f}"
            ext = cr.text_extents(label)
            cr.move_to(left - 8 - ext.width, y + ext.height / 2)
            cr.show_text(label)
            tick += step
        for n in range(first, last + 1):
            # every tenth run, and the ends unless a tenth is too close
            near = n % 10 != 0 and any(
                abs(n - t) < 4 for t in range(first, last + 1) if t % 10 == 0)
            if n % 10 == 0 or ((n == first or n == last) and not near):
                x = x_of(n)
                cr.move_to(x, y1)
                cr.line_to(x, y1 + 4)
                cr.stroke()
                label = f"Z{n}"
                ext = cr.text_extents(label)
                cr.move_to(x - ext.width / 2, y1 + 15)
                cr.show_text(label)

        # the target
        cr.set_source_rgb(0, 0, 0)
        cr.set_dash([6, 4])
        cr.move_to(left, y_of(target))
        cr.line_to(left + plot_w, y_of(target))
        cr.stroke()
        cr.set_dash([])

        for n, v in points:
            cr.set_source_rgb(*(GREEN if is_met(v, target) else RED))
            cr.arc(x_of(n), y_of(v[0]), 3.2, 0, 6.2832)
            cr.fill()

    cr.set_source_rgb(*GREY)
    cr.set_font_size(11)
    cr.move_to(left, height - 12)
    cr.show_text("green: target met; red: missed; dashed: the target; "
                 "shaded bands: the sections of bench/README.md "
                 "(a day's runs)")
    surface.write_to_png(out + ".tmp")
    os.replace(out + ".tmp", out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--readme", default=os.path.join(HERE, "README.md"))
    ap.add_argument("--out", default=os.path.join(HERE, "anchor-runs.png"))
    args = ap.parse_args()
    runs = read_runs(args.readme)
    if not runs:
        sys.exit(f"{args.readme}: no anchor runs (tables of Z runs) found")
    draw(runs, args.out)
    counts = []
    for column, _, target in PANELS:
        ratios = [v[column] for _, _, v in runs if column in v]
        met = sum(is_met(r, target) for r in ratios)
        counts.append(f"{column} {met}/{len(ratios)}")
    print(f"{args.out}: runs Z{runs[0][0]} to Z{runs[-1][0]} "
          f"({len(runs)}); met: " + ", ".join(counts))


if __name__ == "__main__":
    main()
