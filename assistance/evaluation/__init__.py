"""The routing evaluation set: requests routed as an experienced 1540 expert would route them.

`routing_cases.json` holds the cases: a request (State, area, weapon columns, type of help,
language) with the providers that must be among its matches (`must`, at most the number of
matches) and those that must not (`must_not`); where one provider plainly leads (the treaty
organisation for its own treaty, the regional programme for its members), `first` names it.
`evaluate_cases` routes each case with the real offers and scores the outcome. The figures:

- recall: the `must` providers found among the matches, over all `must` providers;
- precision: the matches that are not `must_not`, over all matches (a match nobody labelled
  counts as acceptable: an expert would not object to it);
- strict precision: over the labelled matches only (`must` or `must_not`), the share that are
  `must`, a harsher figure that ignores the unlabelled matches;
- first: the cases with a `first` whose first match is that provider, over those cases;
- violations: every `must_not` provider matched (the set passes only with none).

docs/architecture.md ("How a request is matched") and docs/performance.md ("Routing quality")
describe the set and its latest figures.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

CASES_FILE = Path(__file__).with_name("routing_cases.json")


@dataclass
class CaseResult:
    case: dict
    matched: list = field(default_factory=list)  # provider slugs, best first
    scores: list = field(default_factory=list)  # the score of each match
    hits: list = field(default_factory=list)  # `must` providers matched
    missed: list = field(default_factory=list)  # `must` providers not matched
    violations: list = field(default_factory=list)  # `must_not` providers matched

    @property
    def first_wrong(self) -> bool:
        """The case names the provider that must come first, and another one did."""
        return bool(self.case.get("first")) and self.matched[:1] != [self.case["first"]]

    @property
    def passed(self) -> bool:
        return not self.missed and not self.violations and not self.first_wrong


@dataclass
class Evaluation:
    results: list
    recall: float
    precision: float
    strict_precision: float
    must_total: int
    must_found: int
    matches: int
    violations: list
    first_right: int = 0
    first_total: int = 0

    @property
    def first(self) -> float:
        return self.first_right / self.first_total if self.first_total else 1.0

    @property
    def failed(self) -> list:
        return [r for r in self.results if not r.passed]

    def table(self) -> str:
        """One line per case: the outcome, the case's id, what was matched, what went wrong."""
        lines = []
        for r in self.results:
            c = r.case
            flags = []
            if r.missed:
                flags.append("missing " + ", ".join(r.missed))
            if r.violations:
                flags.append("MUST NOT " + ", ".join(r.violations))
            if r.first_wrong:
                flags.append(f"{c['first']} must come first")
            matched = ", ".join(f"{slug} {score:g}" for slug, score in zip(r.matched, r.scores, strict=True)) or "-"
            lines.append(
                f"{'ok  ' if r.passed else 'FAIL'} {c['id']:<34} {c['state']} {c['area']:<21} "
                f"{'/'.join(c['columns']):<11} -> {matched}{'   [' + '; '.join(flags) + ']' if flags else ''}"
            )
        lines.append(
            f"cases {len(self.results)}, passed {len(self.results) - len(self.failed)}; "
            f"recall {self.recall:.3f} ({self.must_found}/{self.must_total}); precision {self.precision:.3f}; "
            f"strict precision {self.strict_precision:.3f}; first {self.first_right}/{self.first_total}; "
            f"must-not violations {len(self.violations)}"
        )
        return "\n".join(lines)


def load_cases(path=CASES_FILE) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["cases"]


def evaluate_cases(cases, *, profiles=None) -> Evaluation:
    """Route every case against the current offers, as submitted requests, and score the outcome.

    Each case becomes a submitted request in the database for the time of its routing (the routing
    reads the State's memberships, the offers' load and the State's preferred providers); nothing is
    kept: everything is rolled back at the end.
    """
    from assistance import services

    results = []
    with transaction.atomic():
        profiles = services.offer_profiles() if profiles is None else profiles
        for case in cases:
            request = _request(case)
            candidates = services.candidates_for(request, widen=case.get("widen", False), profiles=profiles)
            results.append(_score(case, candidates))
        transaction.set_rollback(True)
    return _summary(results)


def _request(case):
    from assistance.models import AssistanceArea, AssistanceRequest, Provider
    from states.models import State

    request = AssistanceRequest.objects.create(
        state=State.objects.get(iso3=case["state"]),
        status=AssistanceRequest.Status.SUBMITTED,
        area=AssistanceArea.objects.get(code=case["area"]),
        columns=case["columns"],
        assistance_type=case.get("assistance_type", ""),
        language=case.get("language", "en"),
        title=case["title"],
    )
    if case.get("preferred"):
        request.preferred_providers.set(Provider.objects.filter(slug__in=case["preferred"]))
    return request


def _score(case, candidates) -> CaseResult:
    matched = [c.provider.slug for c in candidates]
    return CaseResult(
        case=case,
        matched=matched,
        scores=[c.score for c in candidates],
        hits=[slug for slug in case["must"] if slug in matched],
        missed=[slug for slug in case["must"] if slug not in matched],
        violations=[slug for slug in case["must_not"] if slug in matched],
    )


def _summary(results) -> Evaluation:
    must_total = sum(len(r.case["must"]) for r in results)
    must_found = sum(len(r.hits) for r in results)
    matches = sum(len(r.matched) for r in results)
    violations = [(r.case["id"], slug) for r in results for slug in r.violations]
    labelled = sum(len(r.hits) + len(r.violations) for r in results)
    with_first = [r for r in results if r.case.get("first")]
    return Evaluation(
        results=results,
        recall=must_found / must_total if must_total else 1.0,
        precision=(matches - len(violations)) / matches if matches else 1.0,
        strict_precision=must_found / labelled if labelled else 1.0,
        must_total=must_total,
        must_found=must_found,
        matches=matches,
        violations=violations,
        first_right=sum(not r.first_wrong for r in with_first),
        first_total=len(with_first),
    )
