"""Every PromQL expression of deploy/prometheus/rules.yaml and deploy/grafana/troupe.json,
and the metric names they read (recording rules' own names excluded).

usage: expressions.py RULES DASHBOARD  -> JSON {"expressions": [...], "metrics": [...]}
"""
import json
import re
import sys

import yaml

KEYWORDS = {
    "sum", "min", "max", "avg", "count", "rate", "irate", "increase", "deriv", "delta",
    "histogram_quantile", "clamp_min", "clamp_max", "by", "without", "on", "ignoring",
    "group_left", "group_right", "and", "or", "unless", "bool", "offset", "abs",
    "absent", "topk", "bottomk", "quantile", "time", "vector", "scalar",
}


def metric_names(expr):
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)          # string literals
    text = re.sub(r"\{[^}]*\}", "", text)                   # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)                  # range selectors
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text))
    return {n for n in names if n not in KEYWORDS and not re.fullmatch(r"e\d*", n)}


def main(rules_path, dashboard_path):
    expressions, recorded = [], set()
    for group in yaml.safe_load(open(rules_path))["groups"]:
        for rule in group["rules"]:
            expressions.append(rule["expr"])
            if "record" in rule:
                recorded.add(rule["record"])
    for panel in json.load(open(dashboard_path))["panels"]:
        for target in panel["targets"]:
            expressions.append(target["expr"])
    metrics = set()
    for expr in expressions:
        metrics |= metric_names(expr)
    missing = sorted(n for n in metrics if ":" in n and n not in recorded)
    if missing:
        print(f"recording rules used but not defined: {missing}", file=sys.stderr)
        return 1
    print(json.dumps({
        "expressions": expressions,
        "metrics": sorted(n for n in metrics if ":" not in n),
        "recorded": sorted(recorded),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
