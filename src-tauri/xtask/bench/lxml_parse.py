"""Bare lxml parse of the files a Préau bench listed, for comparison.

Usage: lxml_parse.py LIST.tsv [RUNS]  — LIST has name, path, Préau read ms.
Prints per file the median lxml.etree.parse time and Préau's read time.
"""
import statistics
import sys
import time

from lxml import etree


def main() -> int:
    listing = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    rows = [line.rstrip("\n").split("\t") for line in open(listing, encoding="utf-8") if line.strip()]
    print(f"lxml {etree.__version__} (libxml2 {'.'.join(map(str, etree.LIBXML_VERSION))}), {runs} runs, medians")
    print(f"{'file':<40} {'lxml ms':>9} {'Préau read ms':>14} {'ratio':>7}")
    total_lxml = total_preau = 0.0
    for name, path, preau_ms in rows:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            etree.parse(path)
            times.append((time.perf_counter() - t) * 1000)
        lxml_ms = statistics.median(times)
        total_lxml += lxml_ms
        total_preau += float(preau_ms)
        print(f"{name:<40} {lxml_ms:>9.2f} {float(preau_ms):>14.2f} {lxml_ms / max(float(preau_ms), 1e-9):>6.2f}x")
    print(f"{'total':<40} {total_lxml:>9.2f} {total_preau:>14.2f} {total_lxml / max(total_preau, 1e-9):>6.2f}x")
    print("ratio > 1: Préau's full read (records built, checked) is faster than lxml's bare parse")
    return 0


if __name__ == "__main__":
    sys.exit(main())
