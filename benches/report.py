#!/usr/bin/env python3
"""Runs the `peers` criterion bench and the `memory` binary, then prints a Markdown table of
medians per crate, with the ratio ours / best peer (below 1: we are faster or smaller); then
runs the `threads` binary (heap per series and encode time with T threads alive) and the
`scrape_latency` binary and prints their tables.

    python3 benches/report.py            # run both, then report
    python3 benches/report.py --no-run   # report the last run's results
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = ["ours", "prometheus", "prometheus_client", "metrics", "measured"]
# Best case: one series (or one label set) repeated, which a cache serves.
BEST_CASE = [
    "counter_inc",
    "counter_inc_2threads",
    "labeled_dynamic_inc",
    "labeled_dynamic_inc_2threads",
    "labeled_fixed_inc",
    "histogram_observe",
    "histogram_observe_2threads",
    "encode_text",
]
# What services do: lookups that move between many series.
REALISTIC = [
    "labeled_dynamic_cycle_8",
    "labeled_dynamic_cycle_32",
    "labeled_dynamic_cycle_256",
    "labeled_dynamic_cycle_10000",
    "labeled_dynamic_cycle_100000",
    "labeled_dynamic_cycle_256_2threads",
]


def median_ns(group, crate):
    path = os.path.join(ROOT, "target", "criterion", group, crate, "new", "estimates.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]


def duration(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.2f} ns"


def row(name, values, fmt):
    peers = {c: v for c, v in values.items() if c != "ours" and v is not None}
    best = min(peers, key=peers.get) if peers else None
    ratio = f"{values['ours'] / peers[best]:.2f} ({best})" if best and values.get("ours") else "–"
    cells = " | ".join(fmt(values.get(c)) for c in CRATES)
    return f"| `{name}` | {cells} | {ratio} |"


def main():
    os.chdir(ROOT)
    if "--no-run" not in sys.argv:
        subprocess.run(["cargo", "bench", "-p", "benches", "--bench", "peers"], check=True)
    memory = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "benches", "--bin", "memory"],
        check=True, capture_output=True, text=True,
    ).stdout
    bytes_per_series = {}
    for line in memory.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "bytes_per_series":
            bytes_per_series[parts[1]] = float(parts[2])

    print("| group | " + " | ".join(f"`{c}`" for c in CRATES) + " | ours / best peer |")
    print("|---|" + "---|" * len(CRATES) + "---|")
    for group in BEST_CASE:
        print(row(group, {c: median_ns(group, c) for c in CRATES}, duration))
    print(row("bytes per series", bytes_per_series, lambda b: "–" if b is None else f"{b:.0f} B"))
    for group in REALISTIC:
        print(row(group, {c: median_ns(group, c) for c in CRATES}, duration))

    threads = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "benches", "--bin", "threads"],
        check=True, capture_output=True, text=True,
    ).stdout
    by_count = {}
    for line in threads.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0] == "threads":
            by_count.setdefault(int(parts[2]), {})[parts[1]] = (parts[3], parts[4])
    print()
    print("| threads alive | ours B/series | ours encode | prometheus_client B/series | its encode |")
    print("|---|---|---|---|---|")
    for count in sorted(by_count):
        ours = by_count[count].get("ours", ("–", "–"))
        peer = by_count[count].get("prometheus_client", ("–", "–"))
        print(f"| {count} | {ours[0]} B | {ours[1]} ms | {peer[0]} B | {peer[1]} ms |")

    scrapes = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "benches", "--bin", "scrape_latency"],
        check=True, capture_output=True, text=True,
    ).stdout
    print()
    print("| scrapers | scrapes | median | p99 | body |")
    print("|---|---|---|---|---|")
    for line in scrapes.splitlines():
        parts = line.split()
        if parts and parts[0] == "scrape_latency":
            fields = dict(p.split("=") for p in parts[2:])
            print(f"| {parts[1].replace('_', ' ')} | {fields['scrapes']} | {fields['median_ms']} ms "
                  f"| {fields['p99_ms']} ms | {int(fields['bytes']) / 1e6:.2f} MB |")


if __name__ == "__main__":
    main()
