"""Demo matrices: a realistic story for a few dozen States, and full synthetic matrices for benchmarks.

`seed_state` plays one State's reporting history through `matrices.services`, acting as the
State's official and the Committee's expert, so cells, derived cells (report once), comments and
the audit history come out as real use makes them; afterwards only the dates are moved back
(services stamp "now"). Legal sources are generated from the State's name to look like citations
("Jamaica: Chemical Weapons Act 2000, s. 5"); they are not real laws, and every remark says
"demo data".

`seed_scale` writes every cell of every template for all States with bulk inserts, for
benchmarks only: the one writer of matrices that bypasses the services.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from matrices import services
from matrices.models import Cell, Comment, Mapping, Mark, Matrix, Regime
from portal.audit.services import record
from states.models import State, TreatyStatus

S = Matrix.Status
P, A, SUB, R, C, D = S.PUBLISHED, S.APPROVED, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.DRAFT
REGIME_CODES = ("1540", "CWC", "NPT", "BWC")
CHECKLISTS = ("CWC", "NPT", "BWC")
DEMO = "demo data"
SEED = 1540


# ---------------------------------------------------------------------------------------------
# Who reports what: one profile per State


@dataclass(frozen=True)
class Profile:
    """A State's reporting history: for each regime, the final status of each version, oldest first.

    The States report in "rounds" (one per 1540 version): in each round, the checklists that have
    a version in it are written first, then the 1540 matrix (derived from them), then all are
    reviewed. None: no version of that regime in that round. Every version but the last of a
    regime is published (a new version starts from the last published one).
    """

    name: str
    plan: dict
    by_expert: bool = False  # the Committee's experts prepared the 1540 matrix from official information

    @property
    def rounds(self):
        return len(self.plan.get("1540", []))


PROFILES = {
    p.name: p
    for p in [
        Profile("two published reports", {"1540": [P, P], "CWC": [P, P], "NPT": [None, P]}),
        Profile("published once", {"1540": [P], "CWC": [P], "BWC": [P]}),
        Profile("published once, every checklist", {"1540": [P], "CWC": [P], "NPT": [P], "BWC": [P]}),
        Profile("update under review", {"1540": [P, R], "CWC": [P], "NPT": [None, R]}),
        Profile("update sent back", {"1540": [P, C], "CWC": [P, P], "NPT": [P, C], "BWC": [P]}),
        Profile("update awaiting consent", {"1540": [P, A], "CWC": [P, A], "NPT": [P, SUB], "BWC": [None, D]}),
        Profile("published, drafting an update", {"1540": [P, D], "NPT": [P], "BWC": [None, D]}),
        Profile("first report awaiting consent", {"1540": [A], "CWC": [A], "NPT": [SUB]}),
        Profile("first report in review", {"1540": [R], "NPT": [R], "BWC": [C]}),
        Profile("first report submitted", {"1540": [SUB], "CWC": [SUB]}),
        Profile("drafting a first report", {"1540": [D], "BWC": [D]}),
        Profile("prepared by the Committee, published", {"1540": [P]}, by_expert=True),
        Profile("prepared by the Committee, awaiting consent", {"1540": [A]}, by_expert=True),
    ]
}
# The two States with demo logins get the stories worth logging in for.
PINNED_PROFILES = {"JAM": "update sent back", "KEN": "update awaiting consent"}
# The first other States cover the statuses the pinned ones miss (a small --states still shows them all).
FIRST_PROFILES = [
    "update under review",
    "drafting a first report",
    "two published reports",
    "prepared by the Committee, published",
]
# How often each profile comes up after those: mostly published, so that the public side looks alive.
PROFILE_WEIGHTS = {
    "two published reports": 4,
    "published once": 4,
    "published once, every checklist": 2,
    "update under review": 2,
    "update sent back": 1,
    "update awaiting consent": 2,
    "published, drafting an update": 3,
    "first report awaiting consent": 2,
    "first report in review": 2,
    "first report submitted": 2,
    "drafting a first report": 1,
    "prepared by the Committee, published": 2,
    "prepared by the Committee, awaiting consent": 1,
}


def assign_profiles(states, rng) -> list[tuple[State, Profile]]:
    """Pinned States keep their story; the others take the coverage profiles, then a weighted deck."""
    deck = [name for name, weight in PROFILE_WEIGHTS.items() for _ in range(weight)]
    rng.shuffle(deck)
    deck = FIRST_PROFILES + deck
    result, others = [], 0
    for state in states:
        if state.iso3 in PINNED_PROFILES:
            name = PINNED_PROFILES[state.iso3]
        else:
            name = deck[others % len(deck)]
            others += 1
        result.append((state, PROFILES[name]))
    return result


# ---------------------------------------------------------------------------------------------
# What the cells say: generated citations


LAWS = {
    "cw": [
        "Chemical Weapons Act",
        "Chemical Weapons (Prohibition) Act",
        "Chemical Weapons Convention Act",
        "Law on the Prohibition of Chemical Weapons",
    ],
    "nuclear": [
        "Nuclear Energy Act",
        "Atomic Energy and Radiation Protection Act",
        "Nuclear Safety and Security Act",
        "Law on the Peaceful Uses of Nuclear Energy",
    ],
    "bw": [
        "Biological and Toxin Weapons Act",
        "Biological Weapons (Prohibition) Act",
        "Biological Weapons Convention Act",
        "Law on Biological Safety",
    ],
    "bio": [
        "Biosafety and Biosecurity Regulations",
        "Public Health (Dangerous Pathogens) Regulations",
        "Animal and Plant Health Act",
        "Biosafety Act",
    ],
    "radiation": [
        "Radiation Protection Regulations",
        "Radioactive Sources (Safety and Security) Regulations",
        "Radiation Safety Act",
    ],
    "export": [
        "Export and Import Control Act",
        "Strategic Goods (Control) Act",
        "Strategic Trade Control Act",
        "Law on the Control of Dual-Use Goods",
    ],
    "customs": ["Customs Act", "Customs Code", "Customs and Excise Act"],
    "penal": ["Penal Code", "Criminal Code"],
    "terror": ["Terrorism Prevention Act", "Anti-Terrorism Act", "Law on Combating Terrorism"],
    "finance": [
        "Proceeds of Crime Act",
        "Anti-Money Laundering and Counter-Financing of Terrorism Act",
        "Financial Intelligence Unit Act",
    ],
    "transport": ["Dangerous Goods (Transport) Regulations", "Carriage of Dangerous Goods Act"],
    "mla": ["Mutual Assistance in Criminal Matters Act", "Extradition Act"],
    "institution": [
        "Order establishing the National Authority",
        "Cabinet Decision on the National Authority",
        "Decree on the Inter-Agency Non-Proliferation Committee",
    ],
}
CODES = {"penal"}  # cited without a year
COLUMN_LAW = {"NW": "nuclear", "CW": "cw", "BW": "bw", "ALL": "export"}
REGIME_LAW = {"CWC": "cw", "NPT": "nuclear", "BWC": "bw"}
COLUMN_TREATY = {"NW": "NPT", "CW": "CWC", "BW": "BWC"}
# Rows whose mark follows the State's status in the treaty (party: X; signatory: ?; otherwise none).
ADHERENCE_ROWS = {
    "CWC-ADH": "CWC",
    "NPT-ADH": "NPT",
    "BWC-ADH": "BWC",
    "OP1.CWC": "CWC",
    "OP1.NPT": "NPT",
    "OP1.BWC": "BWC",
}
TREATY_ROWS = {
    "OP1.NWFZ",
    "OP1.ICSANT",
    "OP1.CPPNM",
    "OP1.CPPNM_A",
    "OP1.CTBT",
    "OP1.GP1925",
    "OP1.OTHER_TREATIES",
    "OP1.CSA",
    "OP1.AP",
    "OP1.SQP",
    "BWC-GP",
    "NPT-NWFZ",
    "NPT-CSA",
    "NPT-SQP",
    "NPT-AP",
    "NPT-CPPNM",
    "NPT-CPPNM-A",
    "NPT-ICSANT",
}
MEMBER_ROWS = {
    "OP1.IAEA",
    "OP1.OPCW",
    "OP1.CTBTO",
    "OP1.OTHER_AGREEMENTS",
    "OP1.HCOC",
    "OP1.COC_SOURCES",
    "OP1.GICNT",
    "OP1.PSI",
    "NPT-IAEA",
}
# Export control regimes: mostly Western European and other States take part.
SUPPLIER_ROWS = {"OP1.ZANGGER", "OP1.NSG", "OP1.AG", "OP1.MTCR", "OP1.WA"}
CHECKLIST_SECTION_TOPIC = {
    "institutions": "institution",
    "reporting": "submission",
    "transparency": "submission",
    "enforcement": "penal",
    "criminalization": "penal",
    "scheduled chemicals": "cw",
    "declarations": "cw",
    "inspections": "cw",
    "chemical security": "cw",
    "transfer controls": "export",
    "export controls": "export",
    "means of delivery": "export",
    "border controls": "customs",
    "radioactive sources": "radiation",
    "biosafety/biosecurity": "bio",
    "preparedness": "bio",
    "cooperation": "mla",
    "assistance": "report",
    "outreach": "report",
}
SUBMISSIONS = {
    "CWC": "Article VII(5) submission to the OPCW",
    "BWC": "confidence-building measures (Form E)",
    "NPT": "report to the IAEA",
}
PARTY_FACTOR = {
    TreatyStatus.Status.PARTY: 1.0,
    TreatyStatus.Status.SIGNATORY: 0.45,
    TreatyStatus.Status.WITHDRAWAL_ANNOUNCED: 0.3,
    TreatyStatus.Status.NOT_SIGNED: 0.25,
}
# When a State could first have joined a treaty or body (its year in a source is drawn from here).
YEARS = {
    "NPT": (1968, 1998),
    "CWC": (1993, 2018),
    "BWC": (1972, 2016),
    "GP1925": (1925, 1990),
    "GP": (1925, 1990),
    "NWFZ": (1967, 2009),
    "CPPNM": (1980, 2015),
    "CPPNM_A": (2005, 2021),
    "ICSANT": (2005, 2021),
    "CTBT": (1996, 2021),
    "CSA": (1972, 2010),
    "AP": (1998, 2021),
    "SQP": (1972, 2015),
    "IAEA": (1957, 2015),
    "OPCW": (1997, 2018),
    "CTBTO": (1996, 2020),
    "HCOC": (2002, 2020),
    "COC_SOURCES": (2004, 2020),
    "GICNT": (2006, 2015),
    "PSI": (2003, 2018),
    "ZANGGER": (1971, 2010),
    "NSG": (1975, 2013),
    "AG": (1985, 2012),
    "MTCR": (1987, 2016),
    "WA": (1996, 2017),
}
PARTIAL_REMARKS = [
    "the provision covers only part of the activity",
    "general provision; no specific reference to these weapons",
    "implementing regulations not yet adopted",
]
BILL = "bill before Parliament"
EXPERT_COMMENTS = [
    "Please give the article that covers this activity; the Act cited is general.",
    "Has the bill cited here been enacted? Please add the gazette reference.",
    "Does this provision apply to non-State actors, or only to licensed operators?",
    "The cited section seems to cover possession only; is transport covered elsewhere?",
    "Our information shows amending legislation adopted since the last report; please confirm the source.",
    "Please say whether the penalties apply to legal persons as well.",
]
REVIEW_NOTES = [
    "Please see the comments on the cells; we will review the version again once they are addressed.",
    "Thank you for the update. A few sources need the article number; see the comments.",
]
OFFICIAL_REPLIES = [
    "The Act was amended; the source now cites the amended section.",
    "Implementing regulations are being drafted; we will update this cell when they are adopted.",
    "Covered by the general provisions of the Penal Code on accomplices; source added.",
    "Confirmed: the provision applies to everyone on the territory.",
]


def _years(row_code):
    """The years a source may cite for a treaty or membership row: OP1.CPPNM_A, NPT-CPPNM-A, CWC-ADH."""
    name = row_code.split(".", 1)[1] if row_code.startswith("OP1.") else row_code.split("-", 1)[1]
    if name == "ADH":
        name = row_code.split("-", 1)[0]
    return YEARS.get(name.replace("-", "_"), (1970, 2015))


def _topic(code, spec) -> str:
    """Which kind of law a cell cites."""
    row, column, aspect = spec.row.code, spec.column, spec.aspect
    if row in TREATY_ROWS or row in ADHERENCE_ROWS:
        return "treaty"
    if row in MEMBER_ROWS or row in SUPPLIER_ROWS:
        return "member"
    if code != "1540":
        section = spec.row.section.code
        if row.endswith("-FIN"):
            return "finance"
        if section == "safeguards" or section == "regulatory framework" or section == "nuclear security":
            return "nuclear"
        return CHECKLIST_SECTION_TOPIC.get(section, REGIME_LAW[code])
    if row.startswith("OP1."):
        if row == "OP1.OP6_CONTROL_LISTS":
            return "export"
        if row == "OP1.OP10_COOPERATION":
            return "mla"
        return "report"
    if row.endswith(("FINANCE", "FINANCING")):
        return "finance"
    if row.endswith("TERRORISM"):
        return "terror"
    if row.startswith("OP2."):
        if aspect == "enforcement":
            return "penal"
        return "export" if row.endswith("MEANS_OF_DELIVERY") else COLUMN_LAW[column]
    if row.startswith("OP3ab."):
        if row.endswith("_TRANSPORT"):
            return "transport"
        if column == "BW":
            return "bio" if aspect == "framework" else "bw"
        if column == "NW" and row.endswith("OTHER_SAFETY_SECURITY"):
            return "radiation"
        return COLUMN_LAW[column]
    if ".BORDER" in row:
        return "customs"
    if row.endswith("EXTRATERRITORIAL"):
        return "penal"
    return "customs" if aspect == "enforcement" and row.endswith("ENFORCEMENT") else "export"


# ---------------------------------------------------------------------------------------------
# Playing one State's story through the services


class Timeline:
    """The steps of one matrix version in order, given dates afterwards (services stamp "now")."""

    GAPS = {  # days before each kind of step
        "create": (0, 0),
        "edit": (1, 25),
        "submit": (1, 10),
        "review": (5, 45),
        "comment": (0, 4),
        "changes": (1, 6),
        "reply": (2, 20),
        "approve": (10, 70),
        "consent": (3, 45),
    }

    def __init__(self):
        self.steps = []

    def add(self, kind, obj=None):
        self.steps.append((kind, obj))

    def dated(self, rng, start, limit):
        gaps = [timedelta(days=rng.uniform(*self.GAPS[kind]), hours=rng.uniform(0, 8)) for kind, _ in self.steps]
        total = sum(gaps, timedelta())
        scale = min(1.0, (limit - start) / total) if total else 1.0
        when, result = start, []
        for (kind, obj), gap in zip(self.steps, gaps, strict=True):
            when += gap * scale
            result.append((kind, obj, when))
        return result


@dataclass
class Context:
    """What every State's story needs, fetched once."""

    expert: object
    now: object
    regimes: dict = field(default_factory=dict)
    specs: dict = field(default_factory=dict)  # regime code -> layout of its latest template
    statuses: dict = field(default_factory=dict)  # (state id, treaty code) -> TreatyStatus.Status

    @classmethod
    def load(cls, expert, states):
        ctx = cls(expert=expert, now=timezone.now())
        for regime in Regime.objects.filter(code__in=REGIME_CODES):
            ctx.regimes[regime.code] = regime
            ctx.specs[regime.code] = services.layout(services._latest_template(regime))
        for state_id, code, status in TreatyStatus.objects.filter(state__in=states).values_list(
            "state_id", "treaty__code", "status"
        ):
            ctx.statuses[(state_id, code)] = status
        return ctx


class StateStory:
    """One State's matrices, written as its official and the Committee's expert would."""

    def __init__(self, state, profile: Profile, official, ctx: Context):
        self.state, self.profile, self.official, self.ctx = state, profile, official, ctx
        self.expert = ctx.expert
        # Each State has its own generator seeded from 1540 and its code: its data do not depend
        # on which other States are seeded in the same run.
        self.rng = rng = random.Random(f"{SEED}:{state.iso3}")
        self.maturity = rng.uniform(0.45, 0.9) + (0.05 if state.region.name == "WEOG" else 0)
        self.article = rng.choice(["s.", "art."])
        self.laws = {topic: (rng.choice(titles), rng.randint(1985, 2019)) for topic, titles in LAWS.items()}
        self.timelines = []  # (matrix, timeline, round)

    # -- values

    def treaty_status(self, treaty_code):
        return self.ctx.statuses.get((self.state.pk, treaty_code), TreatyStatus.Status.PARTY)

    def cite(self, code, spec, *, amended=False):
        rng, name = self.rng, self.state.name
        topic = _topic(code, spec)
        if topic == "treaty":
            kind = rng.choice(["ratification", "accession"])
            year = rng.randint(*_years(spec.row.code))
            return f"{name}: instrument of {kind} deposited {year} (depositary notification)"
        if topic == "member":
            year = rng.randint(*_years(spec.row.code))
            return f"{name}: participating since {year} (national report, p. {rng.randint(2, 40)})"
        if topic == "report":
            return f"{name}: national report to the 1540 Committee ({rng.randint(2005, 2023)}), p. {rng.randint(2, 60)}"
        if topic == "submission":
            return f"{name}: {SUBMISSIONS.get(code, 'national report')} ({rng.randint(2005, 2023)})"
        title, year = self.laws[topic]
        where = f"{self.article} {rng.randint(2, 80)}"
        if amended:
            year = rng.randint(max(year + 1, 2015), 2024)
            return f"{name}: {title} (as amended {year}), {where}"
        if topic in CODES:
            return f"{name}: {title}, {where}"
        return f"{name}: {title} {year}, {where}"

    def value(self, code, spec, *, force_x=False):
        """A generated cell value, or None for a blank cell."""
        rng, row = self.rng, spec.row.code
        if force_x:
            return {"mark": Mark.YES, "source": self.cite(code, spec, amended=True), "remarks": DEMO}
        if row in ADHERENCE_ROWS:
            status = self.treaty_status(ADHERENCE_ROWS[row])
            if status == TreatyStatus.Status.PARTY:
                return {"mark": Mark.YES, "source": self.cite(code, spec), "remarks": DEMO}
            if status == TreatyStatus.Status.SIGNATORY:
                return {
                    "mark": Mark.PARTIAL,
                    "source": f"{self.state.name}: signed, not ratified",
                    "remarks": f"{DEMO}; signatory",
                }
            return {"mark": Mark.BLANK, "source": "", "remarks": f"{DEMO}; not a party"}
        if spec.row.code == "OP3ab.GENETIC_ENGINEERING" and spec.column != "BW":
            return {"mark": Mark.NOT_APPLICABLE, "source": "", "remarks": f"{DEMO}; row concerns biological weapons"}
        treaty = code if code in CHECKLISTS else COLUMN_TREATY.get(spec.column)
        factor = PARTY_FACTOR.get(self.treaty_status(treaty), 1.0) if treaty else 1.0
        if row in SUPPLIER_ROWS:
            factor = 1.0 if self.state.region.name == "WEOG" else 0.2
        chance_x = min(0.95, self.maturity * factor)
        draw = rng.random()
        if draw < chance_x:
            return {"mark": Mark.YES, "source": self.cite(code, spec), "remarks": DEMO}
        if draw < chance_x + 0.10:
            topic = _topic(code, spec)
            if topic in self.laws and topic not in CODES and rng.random() < 0.25:
                bill = f"{self.state.name}: {self.laws[topic][0]} (Amendment) Bill {rng.randint(2019, 2025)}"
                return {
                    "mark": Mark.PARTIAL,
                    "source": f"{bill}, cl. {rng.randint(2, 30)}",
                    "remarks": f"{DEMO}; {BILL}",
                }
            source = self.cite(code, spec) if rng.random() < 0.7 else ""
            return {"mark": Mark.PARTIAL, "source": source, "remarks": f"{DEMO}; {rng.choice(PARTIAL_REMARKS)}"}
        if draw < chance_x + 0.13:
            reason = (
                "no nuclear facilities or nuclear material on the territory"
                if spec.column == "NW" or code == "NPT"
                else "no such facilities or activities on the territory"
            )
            return {"mark": Mark.NOT_APPLICABLE, "source": "", "remarks": f"{DEMO}; {reason}"}
        return None

    # -- writing

    def run(self) -> list[Matrix]:
        for round_ in range(self.profile.rounds):
            self.run_round(round_)
        self.backdate()
        return [matrix for matrix, _timeline, _round in self.timelines]

    def run_round(self, round_):
        """Version n of each regime: write the checklists, then the 1540 matrix, then review them."""
        plan = self.profile.plan
        finals = {code: plan[code][round_] for code in REGIME_CODES if len(plan.get(code, [])) > round_}
        finals = {code: final for code, final in finals.items() if final is not None}
        versions = {}
        for code in CHECKLISTS:
            if code in finals:
                versions[code] = self.start(code, round_)
                self.fill(versions[code], draft=finals[code] == D)
        if "1540" in finals:
            # Report once: the first checklist saved has started the State's 1540 draft, derived from it.
            versions["1540"] = self.start("1540", round_)
            self.fill(versions["1540"], draft=finals["1540"] == D)
        # Checklists before the 1540 matrix: their fixes after a review still reach its draft.
        for code, matrix in versions.items():
            self.drive(matrix, finals[code])

    def start(self, code, round_):
        regime = self.ctx.regimes[code]
        matrix = Matrix.objects.filter(state=self.state, regime=regime).open().first()
        if matrix is None:
            author = self.expert if code == "1540" and self.profile.by_expert else self.official
            matrix = services.start_draft(self.state, regime, acting_user=author)
        matrix.timeline = Timeline()  # what happens to this version, dated at the end
        matrix.timeline.add("create")
        self.timelines.append((matrix, matrix.timeline, round_))
        return matrix

    def author(self, matrix):
        return self.expert if matrix.prepared_by_expert else self.official

    @staticmethod
    def marks(matrix):
        """{(row, column, aspect): (mark, derived from regime)} of a version's stored cells."""
        rows = matrix.cells.values_list("row__code", "column", "aspect", "mark", "derived_from_regime")
        return {(row, column, aspect): (mark, derived) for row, column, aspect, mark, derived in rows}

    def fill(self, matrix, *, draft):
        code, rng = matrix.regime.code, self.rng
        specs = self.ctx.specs[code]
        existing = self.marks(matrix)
        derived = {key for key, (_mark, derived_from) in existing.items() if derived_from}
        changes = {}
        if matrix.based_on_id is None:
            for spec in specs:
                if spec.key not in derived and (value := self.value(code, spec)) is not None:
                    changes[spec.key] = value
            if derived and rng.random() < 0.4:  # the official corrects a derived cell: an override
                key = rng.choice(sorted(derived))
                changes[key] = self.value(code, next(s for s in specs if s.key == key), force_x=True)
        else:  # an update: some gaps closed, some sources amended since the published version
            # Not the adherence rows: they follow the State's treaty status.
            candidates = [s for s in specs if s.key not in derived and s.row.code not in ADHERENCE_ROWS]
            for spec in candidates:
                mark = existing[spec.key][0] if spec.key in existing else ""
                if mark != Mark.NOT_APPLICABLE and rng.random() < 0.1:
                    changes[spec.key] = self.value(code, spec, force_x=True)
            for spec in rng.sample(candidates, min(3, len(candidates))):
                changes.setdefault(spec.key, self.value(code, spec, force_x=True))
        by_section = defaultdict(list)
        for spec in specs:
            if spec.key in changes:
                by_section[spec.row.section.order].append(
                    {"row": spec.key[0], "column": spec.key[1], "aspect": spec.key[2], **changes[spec.key]}
                )
        sections = [by_section[order] for order in sorted(by_section)]
        if draft and len(sections) > 1:  # work in progress: the later sections are still blank
            sections = sections[: rng.randint(1, len(sections) - 1)]
        # Saved in one go: each save reads the whole version and a checklist's save re-derives the
        # State's 1540 draft, so saving section by section would take several times longer.
        cells = [cell for section in sections for cell in section]
        if cells:
            services.update_cells(matrix, cells, acting_user=self.author(matrix))
            matrix.timeline.add("edit")

    def comment_on(self, matrix, timeline, count):
        """The expert comments on some filled cells (the first comment starts the review)."""
        values = self.marks(matrix)
        keys = sorted(
            key
            for key, (mark, _derived_from) in values.items()
            if mark in (Mark.YES, Mark.PARTIAL) and key[0] not in ADHERENCE_ROWS
        )
        if matrix.regime.is_1540:  # comment on what the State typed, not on derived cells
            keys = [key for key in keys if not values[key][1]] or keys
        if not keys:
            keys = [spec.key for spec in self.ctx.specs[matrix.regime.code] if spec.row.code not in ADHERENCE_ROWS]
        chosen = self.rng.sample(keys, min(count, len(keys)))
        for key in chosen:
            starts_review = matrix.status == SUB
            comment = services.add_comment(
                matrix,
                row=key[0],
                column=key[1],
                aspect=key[2],
                body=self.rng.choice(EXPERT_COMMENTS),
                acting_user=self.expert,
            )
            timeline.add("review" if starts_review else "comment", comment)
            matrix.refresh_from_db()
        return matrix, chosen

    def reply(self, matrix, timeline, key):
        comment = services.add_comment(
            matrix,
            row=key[0],
            column=key[1],
            aspect=key[2],
            body=self.rng.choice(OFFICIAL_REPLIES),
            acting_user=self.official,
        )
        timeline.add("reply", comment)

    def drive(self, matrix, final):
        """Take a filled draft through the lifecycle to its final status."""
        rng, expert, timeline = self.rng, self.expert, matrix.timeline
        if final == D:
            return
        matrix = services.submit(matrix, acting_user=self.author(matrix))
        timeline.add("submit")
        if final == SUB:
            return
        loop = final == C or (final in (A, P) and rng.random() < 0.35)
        commented = []
        if final in (R, C) or loop or rng.random() < 0.6:
            matrix, commented = self.comment_on(matrix, timeline, rng.randint(1, 3))
        else:
            matrix = services.start_review(matrix, acting_user=expert)
            timeline.add("review")
        if final == R:
            return
        if loop:
            matrix = services.request_changes(matrix, acting_user=expert, comment=rng.choice(REVIEW_NOTES))
            timeline.add("changes")
            if final == C:
                if commented and rng.random() < 0.5:
                    self.reply(matrix, timeline, commented[0])
                return
            # The State answers: fixes the commented cells, replies, submits again.
            specs = {spec.key: spec for spec in self.ctx.specs[matrix.regime.code]}
            cells = [
                {"row": k[0], "column": k[1], "aspect": k[2], **self.value(matrix.regime.code, specs[k], force_x=True)}
                for k in commented
            ]
            services.update_cells(matrix, cells, acting_user=self.author(matrix))
            timeline.add("edit")
            self.reply(matrix, timeline, commented[0])
            matrix = services.submit(matrix, acting_user=self.author(matrix))
            timeline.add("submit")
            matrix = services.start_review(matrix, acting_user=expert)
            timeline.add("review")
        if final == P and rng.random() < 0.3:  # consent given before the approval: published on approval
            services.set_consent(matrix, consent=True, acting_user=self.official)
            timeline.add("consent")
            services.approve(matrix, acting_user=expert)
            timeline.add("approve")
            return
        matrix = services.approve(matrix, acting_user=expert)
        timeline.add("approve")
        if final == P:
            services.set_consent(matrix, consent=True, acting_user=self.official)
            timeline.add("consent")

    # -- dates

    def backdate(self):
        """Spread the story over the last few years: superseded versions first, open ones recently."""
        rng, now = self.rng, self.ctx.now
        rounds = self.profile.rounds
        published = self.profile.plan["1540"][-1] == P
        if rounds == 1:
            bases = [now - timedelta(days=rng.uniform(300, 1100) if published else rng.uniform(30, 240))]
        else:
            second = now - timedelta(days=rng.uniform(60, 420) if published else rng.uniform(20, 200))
            bases = [second - timedelta(days=rng.uniform(600, 1100)), second]
        for matrix, timeline, round_ in self.timelines:
            limit = bases[round_ + 1] - timedelta(days=10) if round_ + 1 < rounds else now - timedelta(hours=1)
            start = bases[round_] + min(timedelta(days=30), (limit - bases[round_]) / 5) * rng.random()
            self.apply_dates(matrix, timeline.dated(rng, start, limit))

    def apply_dates(self, matrix, steps):
        matrix.refresh_from_db()
        when = defaultdict(list)
        for kind, obj, at in steps:
            when[kind].append(at)
            if obj is not None:
                Comment.objects.filter(pk=obj.pk).update(created_at=at)
        created = when["create"][0]
        fields = {"created_at": created, "updated_at": steps[-1][2]}
        if not matrix.prepared_by_expert:
            fields["report_date"] = (created - timedelta(days=self.rng.uniform(5, 60))).date()
        if matrix.submitted_at:
            fields["submitted_at"] = when["submit"][-1]
        if matrix.review_started_at:
            fields["review_started_at"] = when["review"][-1]
        if matrix.approved_at:
            fields["approved_at"] = when["approve"][-1]
        if matrix.consent_given_at:
            fields["consent_given_at"] = when["consent"][-1]
        if matrix.published_at:
            fields["published_at"] = max(when["approve"][-1], when["consent"][-1])
        Matrix.objects.filter(pk=matrix.pk).update(**fields)
        Cell.objects.filter(matrix=matrix).update(updated_at=(when["edit"] or [created])[-1])


def seed_state(state, profile, official, ctx) -> list[Matrix]:
    """Write one State's demo matrices (the caller skips States that already have some)."""
    return StateStory(state, profile, official, ctx).run()


# ---------------------------------------------------------------------------------------------
# Benchmarks: every cell of every template, for all States


SCALE_SOURCES = {
    "ALL": "national report to the 1540 Committee, p.",
    "NW": "Nuclear Energy Act 2010, s.",
    "CW": "Chemical Weapons Act 2004, s.",
    "BW": "Biological Weapons Act 2008, s.",
}


# The columns `seed_scale` writes, in the order of its value tuples.
SCALE_CELL_FIELDS = (
    "matrix",
    "row",
    "column",
    "aspect",
    "mark",
    "source",
    "remarks",
    "derived_from_regime",
    "derived_from_row",
    "overridden",
    "updated_by",
    "updated_at",
)


def _insert_cells(rows):
    """INSERT many cells, several hundred a statement. Django's bulk_create spends ~0.15 ms
    preparing each cell's values, which is most of the time at 88,000 cells a version."""
    fields = [Cell._meta.get_field(name) for name in SCALE_CELL_FIELDS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    size = max(1, min(500, connection.ops.bulk_batch_size(fields, rows)))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = quote(Cell._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            # Only the table's and the columns' names are in the text; every value is a parameter.
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))}"  # noqa: S608
            cursor.execute(sql, [value for row in chunk for value in row])


def seed_scale(versions: int, *, batch_size: int = 20_000) -> dict:
    """All States x the four regimes x `versions` versions, every cell of the template filled.

    Synthetic benchmark data, so this is the one writer of matrices that bypasses
    `matrices.services` (which would take hours for ~88,000 cells a version): matrices go in with
    `bulk_create`, cells with multi-row INSERTs, and one audit event records the run. Every
    version is published (with consent), version n based on version n-1, published 180 days
    apart up to three weeks ago. Cells: X with a source 75%, ? 18%, NA with a reason 7%; the 1540
    cells mapped from a checklist carry the checklist's value and are marked derived from it, as
    services would derive them. The caller makes sure the database has no matrices yet.
    """
    rng = random.Random(SEED)
    now = timezone.now()
    updated_at = connection.ops.adapt_datetimefield_value(now)
    states = list(State.objects.order_by("name"))
    regimes = list(Regime.objects.filter(code__in=REGIME_CODES).order_by("order"))
    templates = {regime.code: services._latest_template(regime) for regime in regimes}
    specs = {code: services.layout(template) for code, template in templates.items()}
    # (key, row id, number cited in the source) of every cell, computed once.
    cells_of = {code: [(spec.key, spec.row.pk, spec.row.order + 2) for spec in specs[code]] for code in specs}
    mappings = defaultdict(list)  # checklist row code -> 1540 keys it fills
    for source_code, target, column, aspect in Mapping.objects.filter(
        source__template__in=[templates[code] for code in CHECKLISTS]
    ).values_list("source__code", "target_code", "column", "aspect"):
        mappings[source_code].append((target, column, aspect))
    targets_1540 = {spec.key for spec in specs["1540"]}
    strength = {mark.value: value for mark, value in services.MARK_STRENGTH.items()}
    previous, matrix_count, cell_count, pending = {}, 0, 0, []
    for version in range(1, versions + 1):
        published = now - timedelta(days=180 * (versions - version) + 21)
        matrices = []
        for state in states:
            for regime in regimes:
                at = published - timedelta(days=rng.uniform(0, 60))
                matrices.append(
                    Matrix(
                        state=state,
                        regime=regime,
                        template=templates[regime.code],
                        version=version,
                        status=S.PUBLISHED,
                        based_on=previous.get((state.pk, regime.pk)),
                        report_date=(at - timedelta(days=120)).date(),
                        submitted_at=at - timedelta(days=90),
                        review_started_at=at - timedelta(days=75),
                        approved_at=at - timedelta(days=20),
                        consent_given_at=at,
                        published_at=at,
                    )
                )
        Matrix.objects.bulk_create(matrices, batch_size=500)
        matrix_count += len(matrices)
        by_key = {(m.state_id, m.regime.code): m for m in matrices}
        for state in states:
            derived = {}  # 1540 key -> values, from the checklists (the strongest mark wins)
            for code in [*CHECKLISTS, "1540"]:
                matrix = by_key[(state.pk, code)]
                previous[(state.pk, matrix.regime_id)] = matrix
                matrix_id = matrix.pk
                for key, row_id, number in cells_of[code]:
                    row, column, aspect = key
                    if code == "1540" and key in derived:
                        values = derived[key]
                    else:
                        draw = rng.random()
                        source = f"{state.name}: {SCALE_SOURCES[column]} {number}"
                        if draw < 0.75:
                            values = ("X", source, DEMO, "", "")
                        elif draw < 0.93:
                            values = ("?", source, f"{DEMO}; partial", "", "")
                        else:
                            values = ("NA", "", f"{DEMO}; not applicable", "", "")
                    pending.append((matrix_id, row_id, column, aspect, *values, False, None, updated_at))
                    if code != "1540":
                        for target in mappings.get(row, []):
                            current = derived.get(target)
                            if target in targets_1540 and (
                                current is None or strength[values[0]] > strength[current[0]]
                            ):
                                derived[target] = (*values[:3], code, row)
            cell_count += sum(len(specs[code]) for code in REGIME_CODES)
            if len(pending) >= batch_size:
                _insert_cells(pending)
                pending = []
    _insert_cells(pending)
    summary = {"states": len(states), "regimes": len(regimes), "versions": versions}
    summary.update(matrices=matrix_count, cells=cell_count)
    record("demo.scale", None, actor=None, object_type=Matrix._meta.label_lower, after=summary)
    return summary
