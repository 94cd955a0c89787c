"""Test results for people (text with diffs), for CI (JUnit XML) and for tools (JSON)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from assistant.testing.runner import StepResult, SuiteResult, TestResult

JSON_FORMAT = 1
"""Version of the ``--json`` shape."""


def counts(suites: Sequence[SuiteResult]) -> dict[str, int]:
    """Tests passed and failed, and suites that could not run."""
    tests = [t for s in suites for t in s.tests]
    return {
        "tests": len(tests),
        "passed": sum(t.passed for t in tests),
        "failed": sum(not t.passed for t in tests),
        "errors": sum(s.error is not None for s in suites),
    }


def text_report(suites: Sequence[SuiteResult], verbose: bool = False) -> str:
    """Pass/fail per test; for a failure, the step, each failed assertion with expected and actual, a word
    diff, and what the recogniser heard. ``verbose`` lists every step."""
    lines: list[str] = []
    for suite in suites:
        lines.append(f"{suite.label} ({suite.skill or 'no skill'}, {suite.mode})")
        if suite.error:
            lines.append(f"  ERROR {suite.error}")
        lines.extend(f"  {line}" for line in suite.transcript)
        for test in suite.tests:
            mark = "PASS" if test.passed else "FAIL"
            lines.append(f"  {mark} {test.name} ({test.seconds:.1f} s)")
            for step in test.steps:
                if verbose or not step.passed or step.heard is not None:
                    lines.extend(f"    {line}" for line in step_lines(step, suite.file.name))
            if test.skipped:
                lines.append(f"    ({test.skipped} later step(s) not run)")
    total = counts(suites)
    summary = f"{total['passed']} passed, {total['failed']} failed"
    if total["errors"]:
        summary += f", {total['errors']} file(s) could not run"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def step_lines(step: StepResult, file: str) -> list[str]:
    """A step's lines: what was sent or heard, then each failed assertion."""
    what = step.step.text if step.step.kind != "silence" else "(silence)"
    mark = "ok" if step.passed else "x "
    lines = [f"{mark} {file}:{step.step.line} {what}"]
    if step.heard is not None:
        understood = step.intent or "not understood"
        slots = " ".join(f"{k}={v}" for k, v in step.slots.items())
        lines.append(f"     heard: {step.heard or '(nothing)'} -> {understood}{' ' + slots if slots else ''}")
    if step.error:
        lines.append(f"     error: {step.error}")
    for checked in step.checks:
        if checked.passed:
            continue
        assertion = checked.assertion
        lines.append(f"     line {assertion.line}: {assertion.describe()}")
        lines.append(f"       expected: {_expected(assertion.expected)}")
        lines.append(f"       actual:   {checked.actual}")
        if checked.diff:
            lines.append(f"       diff:     {checked.diff}")
    return lines


def _expected(value: Any) -> str:
    if isinstance(value, list):
        return "one of " + " | ".join(_expected(v) for v in value)
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def junit_xml(suites: Sequence[SuiteResult]) -> str:
    """JUnit XML: a ``testsuite`` per file (and voice), a ``testcase`` per test, ``failure`` with the details."""
    root = ET.Element("testsuites")
    total = counts(suites)
    root.set("tests", str(total["tests"]))
    root.set("failures", str(total["failed"]))
    root.set("errors", str(total["errors"]))
    for suite in suites:
        element = ET.SubElement(root, "testsuite", name=suite.label)
        element.set("tests", str(len(suite.tests)))
        element.set("failures", str(sum(not t.passed for t in suite.tests)))
        element.set("errors", "1" if suite.error else "0")
        element.set("time", f"{sum(t.seconds for t in suite.tests):.3f}")
        if suite.error:
            error = ET.SubElement(element, "testcase", name="(setup)", classname=suite.label)
            ET.SubElement(error, "error", message=suite.error).text = suite.error
        for test in suite.tests:
            case = ET.SubElement(element, "testcase", name=test.name, classname=suite.label)
            case.set("time", f"{test.seconds:.3f}")
            if not test.passed:
                failed = next(s for s in test.steps if not s.passed)
                body = "\n".join(step_lines(failed, suite.file.name))
                message = failed.error or next(
                    (c.assertion.describe() for c in failed.checks if not c.passed), "failed"
                )
                ET.SubElement(case, "failure", message=f"line {failed.step.line}: {message}").text = body
            heard = [f"{s.step.text} -> heard: {s.heard}" for s in test.steps if s.heard is not None]
            if heard:
                ET.SubElement(case, "system-out").text = "\n".join(heard)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def json_report(suites: Sequence[SuiteResult]) -> dict[str, Any]:
    """Everything as JSON: per suite, per test, per step (with recognised text), per assertion."""
    return {
        "format": JSON_FORMAT,
        "summary": counts(suites),
        "suites": [_suite_json(s) for s in suites],
    }


def _suite_json(suite: SuiteResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "file": str(suite.file),
        "skill": suite.skill,
        "mode": suite.mode,
        "voice": suite.voice,
        "passed": suite.passed,
        "error": suite.error,
        "tests": [_test_json(t) for t in suite.tests],
    }
    if suite.transcript:
        out["transcript"] = list(suite.transcript)
    return out


def _test_json(test: TestResult) -> dict[str, Any]:
    return {
        "name": test.name,
        "line": test.line,
        "passed": test.passed,
        "seconds": round(test.seconds, 3),
        "skipped_steps": test.skipped,
        "steps": [_step_json(s) for s in test.steps],
    }


def _step_json(step: StepResult) -> dict[str, Any]:
    return {
        "line": step.step.line,
        "kind": step.step.kind,
        "text": step.step.text,
        "passed": step.passed,
        "heard": step.heard,
        "intent": step.intent,
        "slots": step.slots,
        "speech": step.speech,
        "error": step.error,
        "assertions": [
            {
                "line": c.assertion.line,
                "path": c.assertion.path,
                "operator": c.assertion.operator,
                "expected": c.assertion.expected,
                "actual": c.actual,
                "passed": c.passed,
            }
            for c in step.checks
        ],
    }
