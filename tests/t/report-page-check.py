# report-page-check.py DOM JSON: the charts and figures of desk report's
# HTML page as Chromium built it (DOM) against --format=json (JSON): the
# marks drawn in each chart (svg.chart, rect.mark), then how many
# data-figure="json.path" cells there are and whether each equals the JSON.
# Prints "chart-ID=MARKS ... N figures all equal" (or what differs).
import html.parser
import json
import sys

j = json.load(open(sys.argv[2]))


class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.svg = None
        self.marks = {}
        self.figs = []
        self.fig = None

    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "svg" and "chart" in (a.get("class") or ""):
            self.svg = a["id"]
            self.marks[self.svg] = 0
        if tag == "rect" and a.get("class") == "mark" and self.svg:
            self.marks[self.svg] += 1
        if "data-figure" in a:
            self.fig = [a["data-figure"], ""]

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg = None
        if self.fig and tag == "td":
            self.figs.append(self.fig)
            self.fig = None

    def handle_data(self, d):
        if self.fig:
            self.fig[1] += d


p = P()
p.feed(open(sys.argv[1]).read())
bad = []
for path, text in p.figs:
    v = j
    for k in path.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    if float(text) != float(v):
        bad.append("%s: page %s, json %s" % (path, text, v))
print(" ".join("%s=%d" % kv for kv in sorted(p.marks.items())), len(p.figs), "figures", "; ".join(bad) or "all equal")
