"""`make pip-audit`: known vulnerabilities in the packages installed from the pinned
requirements (the virtualenv this runs in), from PyPI's advisory data (pip-audit's default
service; the OSV database).

Fails when a package has a known vulnerability, and names the versions that fix it. When the
service cannot be reached, or answers for none of the packages (offline, or a package index
mirror without PyPI's JSON API), it says so loudly and passes: an unreachable service is not a
finding. MAESTRO_AUDIT_REQUIRED=1 makes that a failure too (for a CI with PyPI access).

    .venv/bin/python scripts/audit-deps.py
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
REQUIRED = os.environ.get("MAESTRO_AUDIT_REQUIRED", "") not in ("", "0")


def unchecked(reason: str) -> int:
    print(f"pip-audit: NOT CHECKED: {reason}", file=sys.stderr)
    if REQUIRED:
        print("pip-audit: failing (MAESTRO_AUDIT_REQUIRED is set).", file=sys.stderr)
        return 1
    print("pip-audit: passing anyway; set MAESTRO_AUDIT_REQUIRED=1 to fail.", file=sys.stderr)
    return 0


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "report.json"
        run = subprocess.run(
            [
                str(PIP_AUDIT),
                "--local",
                "--skip-editable",
                "--progress-spinner=off",
                "--timeout=30",
                "--format=json",
                f"--output={report_path}",
            ],
            capture_output=True,
            text=True,
        )
        if not report_path.exists():
            last = (run.stderr.strip().splitlines() or ["no output"])[-1]
            return unchecked(f"the advisory service could not be reached ({last}).")
        report = json.loads(report_path.read_text())

    packages = report["dependencies"]
    skipped = [p for p in packages if "skip_reason" in p]
    vulnerable = [p for p in packages if p.get("vulns")]
    for package in vulnerable:
        for vuln in package["vulns"]:
            fixes = ", ".join(vuln["fix_versions"]) or "no fixed version yet"
            aliases = ", ".join(vuln.get("aliases", []))
            print(
                f"{package['name']} {package['version']}: {vuln['id']}"
                + (f" ({aliases})" if aliases else "")
                + f"; fixed in: {fixes}"
            )
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} package(s) with known vulnerabilities.")
        return 1
    if packages and len(skipped) == len(packages):
        return unchecked(f"the advisory service answered for none of the {len(packages)} packages.")
    for package in skipped:
        print(f"pip-audit: not checked: {package['name']}: {package['skip_reason']}")
    print(
        f"pip-audit: no known vulnerabilities in {len(packages) - len(skipped)} packages"
        + (f" ({len(skipped)} not checked)." if skipped else ".")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
