"""The summary of `make security` (security/SUMMARY.md) from the scanners' raw reports: what ran, and what it found."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from importlib.metadata import version
from pathlib import Path

TOOLS = ("wapiti3", "sqlmap", "pip-audit", "bandit")


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _wapiti(report: dict, label: str) -> list[str]:
    lines = [f"### wapiti, {label}", ""]
    info = report.get("infos", {})
    if not report:
        return lines + ["No report: the scan did not finish (see the console output).", ""]
    lines.append(f"Target {info.get('target')}, {info.get('crawled_pages_nbr', '?')} pages crawled, "
                 f"scope {info.get('scope')}.")
    for section in ("vulnerabilities", "anomalies"):
        found = {name: items for name, items in report.get(section, {}).items() if items}
        lines.append(f"- {section}: {sum(map(len, found.values()))}")
        for name, items in sorted(found.items()):
            for item in items[:20]:
                lines.append(f"  - {name}: {item.get('method')} {item.get('path')} "
                             f"(parameter `{item.get('parameter')}`): {item.get('info', '')[:200]}")
    return lines + [""]


def _sqlmap(log: Path) -> list[str]:
    text = log.read_text() if log.exists() else ""
    vulnerable = [line.strip() for line in text.splitlines() if "is vulnerable" in line]
    clean = text.count("do not appear to be injectable")
    return ["### sqlmap (level 2, risk 1) on the filter parameters", "",
            f"- targets reported not injectable: {clean}",
            f"- injectable parameters: {len(vulnerable)}", *(f"  - {line}" for line in vulnerable), ""]


def _pip_audit(report: dict) -> list[str]:
    packages = report.get("dependencies", [])
    found = [(p["name"], p["version"], v) for p in packages for v in p.get("vulns", [])]
    lines = ["### pip-audit on the app's installed packages", "",
             f"- packages audited: {len(packages)}" if packages else "- no report (the vulnerability service was "
             "not reachable?)", f"- known vulnerabilities: {len(found)}"]
    lines += [f"  - {name} {ver}: {v['id']} (fixed in {', '.join(v.get('fix_versions', [])) or 'no release'})"
              for name, ver, v in found]
    return lines + [""]


def _bandit(report: dict) -> list[str]:
    results = report.get("results", [])
    lines = ["### bandit -ll (medium and high severity) on tracker/", "",
             f"- lines scanned: {report.get('metrics', {}).get('_totals', {}).get('loc', '?')}",
             f"- findings: {len(results)}"]
    lines += [f"  - {r['test_id']} {r['issue_severity']}/{r['issue_confidence']} {r['filename']}:{r['line_number']}: "
              f"{r['issue_text']}" for r in results]
    return lines + [""]


def main(reports: Path) -> None:
    """Print the summary of the reports in `reports`."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [f"# Security scan of {date.today().isoformat()} (commit {commit})", "",
             "Made by `make security` (security/run) against a throwaway instance with the roadmaps and the demo "
             "data. Tools: " + ", ".join(f"{tool} {version(tool)}" for tool in TOOLS) + ".", ""]
    lines += _wapiti(_load(reports / "wapiti-signed-in.json"), "signed in as an administrator")
    lines += _wapiti(_load(reports / "wapiti-anonymous.json"), "anonymous")
    lines += _sqlmap(reports / "sqlmap.log")
    lines += _pip_audit(_load(reports / "pip-audit.json"))
    lines += _bandit(_load(reports / "bandit.json"))
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main(Path(sys.argv[1]))
