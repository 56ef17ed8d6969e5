"""Summary, target lines and the printed table of bench-anchors.py.

Times per item are medians over rounds of each process's median pass time
divided by the batch; ratios are medians over rounds of the per-round
ratios, so that each ratio compares runs made one after the other.
"""

import os
import statistics

# (what, engine precision, tower, batch, bound on engine/ORT fp32): the
# targets of the speed and the reduced-precision issues that one run measures.
SPEED_TARGETS = (
    ("vision fp32 batch 1: engine/ORT", "fp32", "vision", 1, 0.8),
    ("vision fp32 batch 8: engine/ORT per image", "fp32", "vision", 8, 0.8),
    ("vision bf16 batch 1: engine bf16/ORT fp32", "bf16", "vision", 1, 0.4),
    ("vision int8 batch 1: engine int8/ORT fp32", "int8", "vision", 1, 0.3),
)
RSS_TARGETS = (("bf16", 0.6), ("int8", 0.4))
TEXT_TARGET = 0.8


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _per_item(result, tower, batch, key="median_ms"):
    for t in result["timings"]:
        if t["tower"] == tower and t["batch"] == batch:
            return t[key] / batch
    raise KeyError(f"no {tower} batch {batch} timing")


def summarise(runs, precisions, vision_batches, text_batches):
    engines = [f"engine {p}" for p in precisions]
    present = [a for a in ("ort", "torch") if a in runs[0]]
    rows = []
    for tower, batch in ([("vision", b) for b in vision_batches]
                         + [("text", b) for b in text_batches]):
        per_round = {name: [_per_item(r[name], tower, batch) for r in runs]
                     for name in engines + present}
        row = {"tower": tower, "batch": batch,
               "ms_per_item": {k: statistics.median(v)
                               for k, v in per_round.items()},
               "per_round_ms_per_item": per_round, "ratios": {}}
        anchors = {a: per_round[a] for a in present}
        if tower == "text":
            for name in present:
                cut = [_per_item(r[name], tower, batch, "trimmed_median_ms")
                       for r in runs]
                row.setdefault("trimmed_ms_per_item", {})[name] = \
                    statistics.median(cut)
                anchors[f"{name}_trimmed"] = cut
        for p in precisions:
            mine = per_round[f"engine {p}"]
            row["ratios"][p] = {
                k: statistics.median(e / a for e, a in zip(mine, v))
                for k, v in anchors.items()}
        rows.append(row)
    rss = {name: statistics.median(r[name]["rss_mb"] for r in runs)
           for name in engines + present}
    # what the host took from the machine during each round's runs: a
    # run slowed by it shows here rather than as the engine's or an
    # anchor's own time
    steal = {name: [r[name].get("steal_s") for r in runs]
             for name in engines + present}
    # where the two processors sat, before and after each run
    trips = {name: [r[name].get("trip_ns") for r in runs]
             for name in engines + present}
    return {"rows": rows, "peak_rss_mb": rss, "steal_s": steal,
            "trip_ns": trips}


def _row(summary, tower, batch):
    for row in summary["rows"]:
        if row["tower"] == tower and row["batch"] == batch:
            return row
    return None


def targets(results, baseline):
    """One dict per target: what, value (None when not measured), bound,
    met, and a note."""
    summary, out = results["summary"], []
    for what, precision, tower, batch, bound in SPEED_TARGETS:
        row = _row(summary, tower, batch)
        value = row["ratios"].get(precision, {}).get("ort") if row else None
        note = results["skipped_precisions"].get(precision, "")
        out.append({"what": what, "value": value, "bound": bound,
                    "met": None if value is None else value <= bound,
                    "note": f"not measured: {note}" if note else ""})

    what = "text batch 8: engine fp32 now/engine before"
    row, value, note = _row(summary, "text", 8), None, ""
    old = _row(baseline["summary"], "text", 8) if baseline else None
    if not baseline:
        note = "not measured: give --baseline-json from a run before the change"
    elif (baseline.get("model"), baseline.get("threads")) != (
            results["model"], results["threads"]):
        note = ("not measured: the baseline ran another model or thread count "
                f"({baseline.get('model')}, {baseline.get('threads')} threads)")
    elif row and old and "fp32" in row["ratios"] and "engine fp32" in old["ms_per_item"]:
        value = row["ms_per_item"]["engine fp32"] / old["ms_per_item"]["engine fp32"]
        # Runs made at different times see different machine load; the
        # engine's ratio to ORT in each run cancels most of that.
        now_ort = row["ratios"]["fp32"]["ort_trimmed"]
        old_ort = old["ratios"]["fp32"]["ort_trimmed"]
        norm = now_ort / old_ort
        note = (f"engine/ORT (cut at EOT) {old_ort:.2f} before, {now_ort:.2f} "
                f"now: {norm:.2f} normalised by ORT, "
                f"{'met' if norm <= TEXT_TARGET else 'NOT met'}")
    out.append({"what": what, "value": value, "bound": TEXT_TARGET,
                "met": None if value is None else value <= TEXT_TARGET,
                "note": note})

    rss = summary["peak_rss_mb"]
    # against fp32's weights, without the sums it keeps for batches
    lean = results.get("fp32_rss_mb_without_kept_sums")
    fp32 = lean or rss.get("engine fp32")
    for precision, bound in RSS_TARGETS:
        name = f"engine {precision}"
        value = rss[name] / fp32 if name in rss and fp32 else None
        skipped = results["skipped_precisions"].get(precision)
        out.append({"what": f"peak RSS clip-bench {precision}/fp32"
                    + (" (fp32 without kept sums)" if lean else ""),
                    "value": value, "bound": bound,
                    "met": None if value is None else value <= bound,
                    "note": f"not measured: {skipped}" if skipped else ""})
    return out


def _cols(engine, ort, torch, to_ort, to_torch, fmt="9.2f"):
    """The five numeric columns of a table row; '-' where not measured."""
    out = ""
    for value, width, f in ((engine, 9, fmt), (ort, 9, fmt), (torch, 9, fmt),
                            (to_ort, 9, "9.2f"), (to_torch, 10, "10.2f")):
        out += format(value, f) if value is not None else f"{'-':>{width}}"
    return out


def print_report(results, show_targets):
    summary = results["summary"]
    print(f"model: {results['model']}; {results['cpu']}, {results['cores']} "
          f"cores; threads {results['threads']}")
    print(f"{results['rounds']} rounds of engine, ORT, torch in turn; each "
          f"the median of {results['iterations']} passes after "
          f"{results['warmup']} warm-up; onnxruntime-node "
          f"{results['versions']['onnxruntime-node']}, torch "
          f"{results['versions']['torch'] or '(left out)'} float32")
    for precision in results["precisions"]:
        engine = f"engine {precision}"
        print()
        print(f"engine {precision}, backend "
              f"{results['engine_backend'].get(precision) or '?'}:")
        print(f"{'':26}{'engine':>9}{'ORT':>9}{'torch':>9}"
              f"{'eng/ORT':>9}{'eng/torch':>10}")
        for row in summary["rows"]:
            unit = "image" if row["tower"] == "vision" else "text"
            ms, ratio = row["ms_per_item"], row["ratios"][precision]
            print(f"{row['tower']:6} batch {row['batch']:<2} ms/{unit:6}"
                  + _cols(ms[engine], ms.get("ort"), ms.get("torch"),
                          ratio.get("ort"), ratio.get("torch")))
            if "trimmed_ms_per_item" in row:
                cut = row["trimmed_ms_per_item"]
                print(f"{'  anchors cut at EOT':26}"
                      + _cols(None, cut.get("ort"), cut.get("torch"),
                              ratio.get("ort_trimmed"),
                              ratio.get("torch_trimmed")))
        rss = summary["peak_rss_mb"]
        print(f"{'peak RSS MB':26}" + _cols(
            rss[engine], rss.get("ort"), rss.get("torch"),
            rss[engine] / rss["ort"] if "ort" in rss else None,
            rss[engine] / rss["torch"] if "torch" in rss else None, "9.0f"))
        lean = results.get("fp32_rss_mb_without_kept_sums")
        if precision == "fp32" and lean:
            print(f"{'  without kept sums':26}" + _cols(
                lean, None, None, lean / rss["ort"] if "ort" in rss else None,
                None, "9.0f"))
    for precision, why in results["skipped_precisions"].items():
        print(f"\nengine {precision}: not measured ({why})")
    print()
    cos = results["cosine_with_engine_fp32"]
    print("cosine with the engine's fp32 embeddings: " + "; ".join(
        f"{k} image {v['image_min']:.7f}, texts min {v['text_min']:.7f}"
        for k, v in cos.items()))
    for precision, c in results["cosine_precision_vs_torch"].items():
        if c:
            print(f"cosine engine {precision} vs torch fp32: image "
                  f"{c['image_min']:.6f}, texts min {c['text_min']:.6f}")
    loads = results["load_average"]
    print(f"load average: {loads[0]:.2f} before, max {max(loads):.2f}, "
          f"{loads[-1]:.2f} after ({results['cores']} cores)")
    steal = summary.get("steal_s", {})
    if steal and all(None not in v for v in steal.values()):
        print("CPU time the host took from this machine, s per round: "
              + "; ".join(f"{k} " + " ".join(f"{x:.2f}" for x in v)
                          for k, v in steal.items()))
    trips = summary.get("trip_ns", {})
    if trips and all(t and None not in t for v in trips.values() for t in v):
        print("a cache line's round trip between processors 0 and 1 "
              "(bench/core-trip), ns before/after each round's run: "
              + "; ".join(f"{k} " + " ".join(f"{t[0]}/{t[1]}" for t in v)
                          for k, v in trips.items()))
    if max(loads) > results["cores"]:
        print("NOTE: the machine was busy with other work; times are "
              "unreliable (ratios less so, since runs alternate)")
    if show_targets:
        print()
        for t in results["targets"]:
            if t["value"] is None:
                print(f"{t['what']}: - (target <= {t['bound']}) {t['note']}")
            else:
                # three decimals: a ratio that rounds to its bound may
                # still be over it
                print(f"{t['what']} = {t['value']:.3f} (target <= {t['bound']}): "
                      f"{'met' if t['met'] else 'NOT met'}"
                      + (f"; {t['note']}" if t["note"] else ""))
        print("idle CPU and the element's inferences/s on 720p: "
              "bench/element-live.py")


if __name__ == "__main__":
    raise SystemExit(f"{os.path.basename(__file__)}: used by bench-anchors.py")
