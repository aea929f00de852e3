"""How many keystrokes and seconds a person needs to fill one section of the 1540 matrix with the
keyboard: the section form (Tab, type-ahead in the mark's list, type; the no-JavaScript fallback) and
the grid (arrow keys, X / ? / N, the cell's panel), driven by Playwright in Debian's Chromium.

What it does:

1. creates a throw-away SQLite database (in a temporary directory), runs `migrate` and
   `load_reference`, and makes two officials of two States, each with a fresh 1540 draft;
2. starts `manage.py runserver` on a free port of 127.0.0.1;
3. fills the same section (`--section`, OP2 by default: 14 rows x 6 cells) with the same values in
   both, as a person with a keyboard would: every framework cell X with its legal source, NW
   enforcement `?`, CW enforcement X with its source, BW enforcement NA with its reason;
   - "form": a browser without JavaScript, the section form: the mark by type-ahead, Tab, the source,
     Tab, the remarks, Tab, ..., then Enter on "Save this section";
   - "grid": the grid; X or N on a cell (the server refuses it without a source or reason: the
     cell's panel opens there), the text, Ctrl+Enter, the arrow key to the next cell; `?` alone;
   - "grid + bulk NA": as "grid", but the NA column is done with "Mark column NA…" (one reason);
   - with `--shared-sources` (each column's framework cells share one source, one Act per weapon, as
     is common) also "grid + copy down + NA": the first row filled, each source copied down its
     column ("Copy source down"), then only the marks of the other rows (X is accepted at once);
     the form's person types every source (the sources of a row differ, so a clipboard would not help);
4. checks that each run stored exactly the planned cells, and prints for each: keystrokes, mouse
   clicks, the seconds measured (at machine speed, with every wait for the server and every page
   load), and an estimate for a person typing 5 keystrokes a second (keystrokes / 5 + the seconds
   measured). `--delay` (ms per keystroke) types at a person's pace instead.

```sh
.venv/bin/python bench/keyboard_section.py             # OP2, about a minute
.venv/bin/python bench/keyboard_section.py --shared-sources
.venv/bin/python bench/keyboard_section.py --section OP3ab --delay 150
```
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, free_port, manage  # noqa: E402

PASSWORD = "bench-keyboard-1540"  # noqa: S105  (a throw-away database)
PERSON_KEYS_PER_SECOND = 5


SHARED = False  # --shared-sources: one framework source per column (one Act per weapon)


def plan(row, column, aspect):
    """The value a person gives each cell: (mark, source, remarks)."""
    name = {"NW": "Nuclear Energy Act 2011", "CW": "Chemical Weapons Act 2004", "BW": "Biological Weapons Act 2009"}
    if aspect == "framework":
        return "X", f"{name[column]}, s. {3 if SHARED else len(row) % 9 + 2}", ""
    if column == "NW":
        return "?", "", ""
    if column == "CW":
        return "X", f"{name[column]}, s. 12 (penalties)", ""
    return "NA", "", "No biological agents or toxins held in the State"


def setup(env, section):
    """Two officials with a fresh 1540 draft each; the section's cells in display order."""
    manage(env, "migrate", "-v0")
    manage(env, "load_reference")
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from matrices import services
    from matrices.models import Regime
    from states.models import State

    regime = Regime.objects.get(code="1540")
    drafts = {}
    for username, iso3 in (("bench-form", "JAM"), ("bench-grid", "KEN"), ("bench-bulk", "FRA"), ("bench-copy", "PER")):
        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, role="state_official", state=State.objects.get(iso3=iso3)
        )
        drafts[username] = services.start_draft(user.state, regime, acting_user=user)
    matrix = drafts["bench-form"]
    keys = [spec.key for spec in services.layout(matrix.template) if spec.row.section.code == section]
    if not keys:
        raise SystemExit(f"the 1540 template has no section {section!r}")
    return drafts, keys


def check(matrix, keys) -> int:
    """How many of the section's cells are stored exactly as planned."""
    from matrices.models import Cell

    stored = {
        (c.row.code, c.column, c.aspect): (c.mark, c.source, c.remarks)
        for c in Cell.objects.filter(matrix=matrix).select_related("row")
    }
    return sum(1 for key in keys if stored.get(key, ("", "", "")) == plan(*key))


class Person:
    """A keyboard that counts: every key pressed (a chord such as Shift+? or Ctrl+Enter is one) and click."""

    def __init__(self, page, delay):
        self.page, self.delay, self.keys, self.clicks = page, delay, 0, 0

    def press(self, key):
        self.page.keyboard.press(key, delay=0)
        self.keys += 1
        if self.delay:
            self.page.wait_for_timeout(self.delay)

    def type(self, text):
        self.page.keyboard.type(text, delay=self.delay)
        self.keys += len(text)

    def click(self, locator):
        locator.click()
        self.clicks += 1


def log_in(page, username, url):
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{url}")


def fill_form(page, person, keys):
    """The section form without JavaScript: the first mark's list has the focus (as after a click on it)."""
    from playwright.sync_api import expect

    page.locator(f"[name='{'|'.join(keys[0])}|mark']").focus()  # as a click on the first list would
    person.clicks += 1
    for key in keys:
        mark, source, remarks = plan(*key)
        if mark:
            person.press({"X": "x", "?": "?", "NA": "n"}[mark])  # type-ahead in the closed list
        person.press("Tab")
        if source:
            person.type(source)
        person.press("Tab")
        if remarks:
            person.type(remarks)
        person.press("Tab")  # to the next cell's mark (or, after the last, to "Save this section")
    expect(page.get_by_role("button", name="Save this section")).to_be_focused()
    person.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saved:")


def fill_grid(page, person, keys, *, bulk=False, copy_down=False):
    """The grid: the first cell selected with a click; every other move by the keyboard. With `copy_down`
    the first row is filled, then each source is copied down its column (a click on the first row's
    cell, one on "Copy source down", Enter to confirm), then the other rows need only their marks."""
    from playwright.sync_api import expect

    def cell(key):
        return page.locator("#g-cell-" + "-".join(part.replace(".", "-") for part in key))

    todo = [key for key in keys if not (bulk and plan(*key)[0] == "NA")]
    if bulk:
        person.click(cell(next(key for key in keys if plan(*key)[0] == "NA")))
        person.click(page.get_by_role("button", name="Mark column NA…"))
        person.type(plan(*next(key for key in keys if plan(*key)[0] == "NA"))[2])
        person.press("Tab")
        person.press("Enter")  # "Mark 14 blank cell(s) NA"
        expect(page.locator("#grid-bulk-na")).to_be_hidden()
    first_row = [key for key in todo if key[0] == todo[0][0]]
    rest = [key for key in todo if key[0] != todo[0][0]]
    mark_cells(page, person, first_row if copy_down else todo, cell)
    if copy_down:
        for key in first_row:
            if plan(*key)[1]:
                person.click(cell(key))
                page.once("dialog", lambda dialog: dialog.accept())
                person.click(page.get_by_role("button", name="Copy source down"))
                person.keys += 1  # Enter on the confirmation
                expect(page.locator("#grid-status")).to_contain_text("All changes saved")
        mark_cells(page, person, rest, cell, sourced=True)
    expect(page.locator("#grid-status")).to_contain_text("All changes saved")


def mark_cells(page, person, todo, cell, *, sourced=False):
    """Each cell of `todo` in turn: its mark, the text the server asks for (unless `sourced`: the source
    is there already), the arrow key to the next."""
    from playwright.sync_api import expect

    source = page.locator("#grid-panel-source")
    remarks = page.locator("#grid-panel-remarks")
    person.click(cell(todo[0]))
    for index, key in enumerate(todo):
        expect(cell(key)).to_be_focused()
        mark, text, reason = plan(*key)
        person.press({"X": "x", "?": "Shift+?", "NA": "n"}[mark])
        if mark == "X" and not sourced:
            expect(source).to_be_focused()  # refused without a source: the panel opened, at the source
            person.type(text)
            person.press("Control+Enter")
        elif mark == "NA":
            expect(remarks).to_be_focused()
            person.type(reason)
            person.press("Control+Enter")
        if index + 1 < len(todo):
            # The next cell to fill: to the right (ArrowRight wraps to the next row), past those done.
            expect(cell(key)).to_be_focused()
            nxt = cell(todo[index + 1])
            for _ in range(7):
                person.press("ArrowRight")
                if nxt.evaluate("td => document.activeElement === td"):
                    break


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--section", default="OP2", help="a section of the 1540 matrix (default OP2)")
    parser.add_argument("--delay", type=int, default=0, help="milliseconds between keystrokes (default 0)")
    parser.add_argument(
        "--shared-sources",
        action="store_true",
        help="one framework source per column (one Act per weapon); adds the path with Copy source down",
    )
    args = parser.parse_args()
    global SHARED
    SHARED = args.shared_sources

    workdir = tempfile.mkdtemp(prefix="bench-keyboard-")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_DEBUG": "1",  # runserver serves the static files
        # The checks read the database between Playwright's (synchronous) calls, which run an event loop.
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    }
    env.pop("REDIS_URL", None)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    drafts, keys = setup(env, args.section)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310  (http://127.0.0.1)
                break
            except OSError:
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        results = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            runs = [
                ("form (no JavaScript)", "bench-form", False, "?form=1"),
                ("grid", "bench-grid", True, ""),
                ("grid + bulk NA", "bench-bulk", True, ""),
            ]
            if SHARED:
                runs.append(("grid + copy down + NA", "bench-copy", True, ""))
            for label, username, javascript, query in runs:
                context = browser.new_context(
                    base_url=base, java_script_enabled=javascript, viewport={"width": 1366, "height": 900}
                )
                page = context.new_page()
                page.set_default_timeout(20_000)
                matrix = drafts[username]
                url = f"/workspace/{matrix.pk}/section/{args.section}/{query}"
                log_in(page, username, url)
                person = Person(page, args.delay)
                started = time.perf_counter()
                if not javascript:
                    fill_form(page, person, keys)
                else:
                    fill_grid(page, person, keys, bulk="NA" in label, copy_down="copy down" in label)
                seconds = time.perf_counter() - started
                context.close()
                results.append((label, person.keys, person.clicks, seconds, check(matrix, keys)))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"Section {args.section} of the 1540 matrix: {len(keys)} cells; delay {args.delay} ms per keystroke")
    print(f"{'path':<22}{'keystrokes':>11}{'clicks':>8}{'seconds':>9}{'person (s)':>12}  stored as planned")
    for label, keys_pressed, clicks, seconds, good in results:
        person = keys_pressed / PERSON_KEYS_PER_SECOND + (seconds if not args.delay else 0)
        if args.delay:
            person = seconds
        print(f"{label:<22}{keys_pressed:>11}{clicks:>8}{seconds:>9.1f}{person:>12.0f}  {good}/{len(keys)}")
    if any(good != len(keys) for *_, good in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
