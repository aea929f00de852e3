"""Accessibility checks with axe-core in the browser tests.

axe-core is vendored in ``portal/testing/vendor/axe-core`` (never under ``static/``: it is test
tooling, never served). Any Playwright browser test can check the page it is on:

    from portal.testing.axe import assert_accessible

    page.goto("/states/")
    assert_accessible(page, "the States list")

``axe_violations(page)`` returns the raw violations (axe's dicts) for a test that wants to look
at them itself. ``focus_indicator_problems(page)`` focuses every visible control of the page in
turn and lists those whose focus indicator is missing or under 3:1 against what is around it;
``indicator_of_focused(page)`` says the same of the control that has the focus (after a Tab).
"""

import functools
from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

DEFAULT_IMPACTS = ("serious", "critical")

# Every rule axe-core runs by default (WCAG 2.x A and AA, and its best practices).
_RUN = """
async (options) => {
  return await window.axe.run(document, options);
}
"""


def _inject(page):
    """Load axe-core into the page. Evaluated through the DevTools protocol rather than added as a
    <script>: the portal's Content-Security-Policy (script-src 'self') rightly refuses inline scripts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
        assert page.evaluate("() => typeof window.axe.run === 'function'"), "axe-core did not load"


@functools.cache
def _axe_source():
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page, *, impacts=DEFAULT_IMPACTS, rules=None):
    """Run axe-core over the whole document of ``page``; return its violations whose impact is in
    ``impacts`` (all of them when ``impacts`` is None). ``rules``, if given, limits the run to those
    rule ids. Each violation is axe's dict: id, impact, help, helpUrl, nodes (target, html,
    failureSummary)."""
    _inject(page)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": list(rules)}
    results = page.evaluate(_RUN, options)
    violations = results["violations"]
    if impacts is None:
        return violations
    return [violation for violation in violations if violation.get("impact") in impacts]


def format_violations(violations, *, nodes_shown=3):
    """A readable account of ``violations``: one paragraph per rule with its first nodes."""
    lines = []
    for violation in violations:
        nodes = violation.get("nodes", [])
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}, {len(nodes)} node(s)): {violation.get('help')}"
            f" <{violation.get('helpUrl', '')}>"
        )
        for node in nodes[:nodes_shown]:
            target = " ".join(str(part) for part in node.get("target", []))
            html = " ".join(node.get("html", "").split())
            if len(html) > 200:
                html = html[:197] + "..."
            lines.append(f"    at {target}: {html}")
            summary = " ".join(node.get("failureSummary", "").split())
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(nodes) > nodes_shown:
            lines.append(f"    ... and {len(nodes) - nodes_shown} more")
    return "\n".join(lines)


def assert_accessible(page, context="", *, impacts=DEFAULT_IMPACTS):
    """Fail with a readable message if axe-core finds a violation of ``impacts`` on ``page``."""
    violations = axe_violations(page, impacts=impacts)
    if violations:
        where = f"{context} ({page.url})" if context else page.url
        count = sum(len(violation.get("nodes", [])) for violation in violations)
        raise AssertionError(
            f"axe-core found {len(violations)} {'/'.join(impacts or ['any'])} rule violation(s) on {count} node(s) "
            f"on {where}:\n{format_violations(violations)}"
        )


# Focus indicators. WCAG 2.4.7 asks for a visible focus indicator, 1.4.11 for 3:1 against what is
# next to it; these read, for a focused control, its outline or box-shadow and the colour behind it.
MIN_FOCUS_CONTRAST = 3.0

_FOCUS_JS = """
(() => {
  const parse = (text) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const behind = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour[3] > 0) {
        layers.push(colour);
        if (colour[3] >= 1) break;
      }
    }
    return layers.reduceRight((bottom, top) => over(top, bottom), [255, 255, 255, 1]);
  };
  const label = (el) => {
    const text = el.getAttribute("aria-label") || el.innerText || el.value || el.name || el.id || "";
    return text.trim().replace(/\\s+/g, " ").slice(0, 60);
  };
  const indicator = (el) => {
    const s = getComputedStyle(el);
    const candidates = [];
    const offset = parseFloat(s.outlineOffset) || 0;
    // An outline drawn outside the control lies on its parent's background, one inside on its own.
    const ground = offset >= 0 && el.parentElement ? behind(el.parentElement) : behind(el);
    if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) {
      const colour = parse(s.outlineColor);
      if (colour) candidates.push(["outline " + s.outlineColor, contrast(over(colour, ground), ground)]);
    }
    if (s.boxShadow && s.boxShadow !== "none") {
      for (const shadow of s.boxShadow.split(/,(?![^(]*\\))/)) {
        const colour = parse(shadow);
        const lengths = shadow.replace(/rgba?\\([^)]*\\)/, "").trim().split(/\\s+/).map(parseFloat);
        if (colour && (lengths[3] || 0) >= 2) {
          const base = behind(el.parentElement || el);
          candidates.push(["box-shadow " + shadow.trim(), contrast(over(colour, base), base)]);
        }
      }
    }
    const best = candidates.sort((a, b) => b[1] - a[1])[0];
    let reason = "";
    if (!el.matches(":focus-visible")) reason = "does not match :focus-visible";
    else if (!best) reason = "no outline or box-shadow of 2px or more";
    else if (best[1] < MIN)
      reason =
        `${best[0]} has a contrast of ${best[1].toFixed(2)}:1 (needs ${MIN}:1)` +
        ` on rgb(${ground.slice(0, 3).map(Math.round)})`;
    return {
      tag: el.tagName.toLowerCase(),
      label: label(el),
      inHeader: !!el.closest("header"),
      indicator: best ? best[0] : "",
      contrast: best ? best[1] : 0,
      reason,
    };
  };
  return { indicator };
})()
"""

_FOCUSED_JS = "(MIN) => { const f = " + _FOCUS_JS + "; return f.indicator(document.activeElement); }"

_ALL_CONTROLS_JS = (
    "(MIN) => { const f = "
    + _FOCUS_JS
    + """;
  const selector = "a[href], button, input, select, textarea, summary, [tabindex]";
  const results = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled || el.tabIndex < 0 || el.type === "hidden") continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    el.focus({ focusVisible: true, preventScroll: true });
    if (document.activeElement !== el) continue;
    const result = f.indicator(el);
    el.blur();
    if (result.reason) {
      result.html = el.outerHTML.replace(/\\s+/g, " ").slice(0, 160);
      results.push(result);
    }
  }
  return results;
}"""
)


def indicator_of_focused(page):
    """The focus indicator of the element that has the focus: its tag, label, whether it is in the
    page's header, the indicator and its contrast, and why it is not visible enough ("" if it is)."""
    return page.evaluate(_FOCUSED_JS, MIN_FOCUS_CONTRAST)


def focus_indicator_problems(page, *, shown=8):
    """Focus every visible control of the page in turn (as the keyboard would); a line for each
    control whose focus indicator is missing or too faint, grouped by kind of control."""
    problems = page.evaluate(_ALL_CONTROLS_JS, MIN_FOCUS_CONTRAST)
    groups = {}
    for problem in problems:
        key = (problem["tag"], problem["reason"])
        groups.setdefault(key, []).append(problem)
    lines = []
    for (tag, reason), members in list(groups.items())[:shown]:
        example = members[0]
        lines.append(f"- {len(members)} {tag}: {reason}; e.g. {example['label']!r}: {example['html']}")
    return lines
