"""The evaluation school: a seeded, fictional school that is not the demo school, exported
as OneRoster 1.1 CSV only (no Ransel extras: no timetable, calendar, breaks or gear rules),
and ``FACTS.md``, the sheet of everything in it that blind question writers get.

Events, things to bring, tests, homework and presentations exist only as lineItems with
titles and free-text descriptions; results carry decimal scores and teachers' comments.
Everything comes from one ``random.Random(seed)``: the same seed gives the same files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.demo import names
from bot.demo.generate import (
    AUTUMN,
    OSLO,
    SUBJECTS,
    Builder,
    Group,
    Person,
    link,
    school_year_rows,
    term_of,
    write_oneroster,
)

# Names of the demo school's people never appear in an evaluation school.
DEMO_GIVEN = frozenset({"Emma", "Nora", "Sindre", "Jonas", "Olivia", "Kari", "Per", "James", "Anne", "Liv", "Tor"})
CATEGORY_ROWS = {"cat-lekse": "Lekse", "cat-prove": "Prøve", "cat-prosjekt": "Prosjekt",
                 "cat-ta-med": "Ta med", "cat-arrangement": "Arrangement"}
SCHOOL_NAMES = ("Nordvik skole", "Lia skole", "Bjørkely skole", "Strandheim skole", "Haugtun skule",
                "Fjordgløtt skole", "Elvebakken skole", "Solås skule")
KOMMUNER = ("Vestby", "Åsnes", "Midtfjord", "Brekke", "Sørli", "Nordmo")
WEEKDAYS_NB = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS_NB = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
             "november", "desember")

# (subject, category, title, description, max score or None, due time "HH:MM" or None)
WORK_POOL: dict[str, list[tuple[str, str, str, float | None]]] = {
    "mat": [
        ("cat-lekse", "Gangetabellen: øv på {n}-gangen", "Øv på {n}-gangen muntlig og skriftlig. Gjør oppgave {a}–{b} i regneboka.", None),
        ("cat-prove", "Prøve i brøk", "Prøve i brøk: forkorte, utvide og sammenligne brøker. Del 1 uten hjelpemidler, del 2 med kalkulator.", 30.0),
        ("cat-prove", "Prøve i geometri", "Areal og omkrets av mangekanter og sirkler. Ta med passer, linjal og gradskive. Kalkulator er lov på del 2.", 40.0),
        ("cat-lekse", "Lekse i matte: desimaltall", "Regn oppgave {a}–{b} på side {p} i Multi. Vis utregningen.", None),
        ("cat-prove", "Kartleggingsprøve i regning", "Kartleggingsprøve i regning. Ingen hjelpemidler. Ta med blyant og viskelær.", 25.0),
    ],
    "nor": [
        ("cat-lekse", "Les side {p}–{q} i leseboka", "Les side {p}–{q} høyt for en voksen og skriv tre ord du ikke kjente.", None),
        ("cat-prosjekt", "Foredrag om et dyr", "Hold et foredrag på 3–5 minutter om et dyr du velger selv. Lag 4–6 lysbilder eller en plakat.", 20.0),
        ("cat-prove", "Rettskrivingsprøve", "Diktat med 20 ord fra kapittel {c}. Øv på dobbel konsonant.", 20.0),
        ("cat-lekse", "Skriv en fortelling", "Skriv en fortelling på minst en side med tittelen «{t}». Leveres i Teams.", None),
    ],
    "eng": [
        ("cat-prove", "Gloseprøve i engelsk", "Vocabulary test, chapter {c}: 20 words, English–Norwegian both ways.", 20.0),
        ("cat-lekse", "Engelsk: read and answer", "Read the text on page {p} and answer questions 1–{a} in full sentences.", None),
        ("cat-prosjekt", "Presentation: My favourite place", "Give a two-minute presentation in English about a place you like. Bring a picture.", 10.0),
    ],
    "nat": [
        ("cat-prove", "Naturfagsprøve om kroppen", "Skjelettet, musklene og fordøyelsen. Les kapittel {c} i Gaia.", 30.0),
        ("cat-lekse", "Mål temperaturen ute", "Mål temperaturen ute hver morgen i fem dager og før det inn i tabellen.", None),
        ("cat-prosjekt", "Plakat om planetene", "Lag en plakat i gruppe om en planet. Presenteres for klassen.", 15.0),
    ],
    "saf": [
        ("cat-prove", "Geografiquiz: Europa", "Land og hovedsteder i Europa. 25 spørsmål, ingen hjelpemidler.", 25.0),
        ("cat-lekse", "Samfunnsfag: les om vikingene", "Les side {p}–{q} i Arena om vikingtida og svar på spørsmål {a} og {b}.", None),
    ],
    "krle": [
        ("cat-lekse", "KRLE: høytider", "Skriv fem setninger om en høytid du feirer eller kjenner til.", None),
    ],
    "kro": [
        ("cat-ta-med", "Gymtøy og innesko", "Husk gymtøy, innesko og håndkle til dusjen.", None),
        ("cat-ta-med", "Svømming: badetøy", "Vi har svømming i Vestbadet. Ta med badetøy, håndkle og svømmebriller.", None),
    ],
    "mus": [
        ("cat-prosjekt", "Fremføring av julesang", "Klassen fremfører julesanger for foreldre. Øv på teksten hjemme.", None),
    ],
    "khv": [
        ("cat-ta-med", "Ta med tomme melkekartonger", "Vi lager juleverksted. Ta med to tomme, skylte melkekartonger og en saks.", None),
    ],
}
HOMEROOM_EVENTS = [
    ("cat-arrangement", "Aktivitetsdag i {place}", "Aktivitetsdag i {place} kl. 09:00–13:30. Ta med matpakke, drikkeflaske, "
     "varme klær, lue og votter. Vi går fra skolen kl. 08:45.", "09:00"),
    ("cat-arrangement", "Skøytedag på kunstisbanen", "Skøytedag på kunstisbanen. Ta med skøyter, hjelm, varme klær og "
     "termos med kakao.", "10:00"),
    ("cat-arrangement", "Tur til biblioteket", "Klassen går til biblioteket i sentrum. Husk lånekort og sekk.", "10:30"),
    ("cat-arrangement", "Juleavslutning i gymsalen", "Juleavslutning for elever og foresatte i gymsalen kl. 17:00–18:30. "
     "Ta med noe å bidra med til kakebordet.", "17:00"),
    ("cat-arrangement", "Skidag ved {place}", "Skidag ved {place}. Ta med ski, staver, skisko, varm drikke og matpakke.", "09:00"),
]
PLACES = ("Solhaugen", "Skogstua", "Langvannet", "Breidablikk", "Furulia")
STORY_TITLES = ("Den dagen alt gikk galt", "En tur i skogen", "Hemmeligheten", "Vinternatt")
COMMENTS = ("Fin innsats!", "Svært godt arbeid.", "Du viser god forståelse.", "Bra, men les oppgavene nøye.",
            "Godt jobbet!", "Du må øve mer på dette før neste prøve.", "Gode svar, men skriv litt mer utfyllende.")


@dataclass(frozen=True)
class Item:
    sid: str
    group: str  # group title ("5A", "5A Matematikk")
    subject: str | None  # Norwegian subject title
    category: str
    title: str
    description: str
    due: datetime
    max_score: float | None


@dataclass
class EvalSchool:
    seed: int
    now: datetime
    name: str
    kommune: str
    groups: list[Group] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    results: dict[tuple[str, str], tuple[float, str | None]] = field(default_factory=dict)  # (item, pupil)
    writes_in: dict[str, str] = field(default_factory=dict)  # guardian/pupil sid -> nb | nn | en


def evaluation_now(seed: int) -> datetime:
    """The school's clock for this seed: a school day at 10:00 in the two weeks before the
    Christmas break of the demo's school year (weeks 49 and 50 of 2026)."""
    rng = random.Random(seed * 7919 + 1)
    day = date(2026, 11, 30) + timedelta(days=rng.choice([0, 1, 2, 3, 7, 8, 9]))
    return datetime.combine(day, time(10, 0), tzinfo=OSLO)


def build_school(seed: int) -> tuple[EvalSchool, Builder]:
    b = Builder(seed * 104729 + 17, reserved_given=DEMO_GIVEN)
    rng = b.rng
    now = evaluation_now(seed)
    school_name = rng.choice(SCHOOL_NAMES)
    kommune = rng.choice(KOMMUNER)
    s = EvalSchool(seed, now, school_name, f"{kommune} kommune")
    b.roster.add("orgs", sourcedId="k", name=s.kommune, type="district", identifier="8888")
    b.roster.add("orgs", sourcedId="sch", name=school_name, type="school", identifier="98765", parentSourcedId="k")
    school_year_rows(b)
    for sid, title in CATEGORY_ROWS.items():
        if sid not in ("cat-lekse", "cat-prove", "cat-ta-med", "cat-prosjekt"):
            b.roster.add("categories", sourcedId=sid, title=title)
    terms = [AUTUMN[0]]
    grades = sorted(rng.sample(range(3, 11), 2))
    teacher_lang = ["nb", "nb", "nn", "en", "nb", "nn"]
    teachers = []
    used_teacher_names: set[str] = set()
    for i in range(6):
        given = rng.choice([n for n in names.WOMEN + names.MEN if n not in DEMO_GIVEN and n not in used_teacher_names])
        used_teacher_names.add(given)
        t = b.person("teacher", given, rng.choice(names.SURNAMES), ["sch"], language=teacher_lang[i])
        teachers.append(t)
    admin = rng.choice(names.WOMEN)
    while admin in DEMO_GIVEN:
        admin = rng.choice(names.WOMEN)
    b.person("administrator", admin, rng.choice(names.SURNAMES), ["sch"])
    subjects = ["mat", "nor", "eng", "nat", "saf", "krle", "kro", "mus", "khv"]
    for gi, grade in enumerate(grades):
        letter = rng.choice("ABC")
        label = f"{grade}{letter}"
        pupils = []
        for _ in range(rng.randint(7, 9)):
            girl = rng.random() < 0.5
            p = b.person("student", b.given_name(girl), rng.choice(names.SURNAMES), ["sch"], birth=b.birth_date(grade))
            p.grade = grade
            pupils.append(p)
        course = f"c{grade}"
        b.roster.add("courses", sourcedId=course, schoolYearSourcedId="sy-2026-27", title=f"Trinn {grade}",
                     courseCode=f"T{grade}", grades=f"{grade:02d}", orgSourcedId="sch")
        home = Group(f"g{grade}", label, "homeroom", grade, "sch", course, terms, pupils=pupils)
        contact = teachers[gi * 3]
        home.teachers.append((contact, True))
        s.groups.append(home)
        for j, key in enumerate(subjects):
            g = Group(f"g{grade}-{key}", f"{label} {SUBJECTS[key][1]}", "scheduled", grade, "sch", course, terms,
                      subject=key, pupils=pupils)
            g.teachers.append((teachers[gi * 3 + j % 3], True))
            s.groups.append(g)
    for g in s.groups:
        b.emit_group(g)
    _families(b, s)
    _work(b, s)
    b.emit_people()
    s.people = dict(b.people)
    return s, b


def _families(b: Builder, s: EvalSchool) -> None:
    rng = b.rng
    pupils = [p for g in s.groups if g.class_type == "homeroom" for p in g.pupils]
    order = list(pupils)
    rng.shuffle(order)
    # Siblings across the two classes: one family with a child in each.
    grades = [x.grade for x in pupils if x.grade is not None]
    first = [p for p in order if p.grade == min(grades)]
    second = [p for p in order if p.grade == max(grades)]
    families: list[list[Person]] = [[first[0], second[0]]]
    rest = [p for p in order if p not in families[0]]
    families += [[p] for p in rest]
    langs = ["nb", "nn", "en", "nb", "nn", "nb", "en", "nb"]
    for i, family in enumerate(families):
        surname = family[0].family
        lang = langs[i % len(langs)]
        for k in range(1 if rng.random() < 0.3 else 2):
            woman = k == 0
            taken = DEMO_GIVEN | {p.given for p in pupils}
            given = rng.choice([n for n in (names.WOMEN if woman else names.MEN) if n not in taken])
            g = b.person("parent", given, surname, ["sch"], sms=b.phone())
            s.writes_in[g.sid] = lang
            for child in family:
                link(g, child)
        for child in family:
            s.writes_in[child.sid] = lang


def _fill(rng: random.Random, *texts: str) -> list[str]:
    """The texts of one item with the same numbers and names in each."""
    a = rng.randint(1, 6)
    p = rng.randint(20, 90)
    values = dict(n=rng.randint(3, 9), a=a, b=a + rng.randint(2, 5), p=p, q=p + rng.randint(2, 6),
                  c=rng.randint(2, 7), t=rng.choice(STORY_TITLES), place=rng.choice(PLACES))
    return [t.format(**values) for t in texts]


def _school_days(start: date, end: date) -> list[date]:
    days, d = [], start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def _work(b: Builder, s: EvalSchool) -> None:
    rng = b.rng
    today = s.now.date()
    days = _school_days(today - timedelta(days=21), date(2026, 12, 18))
    n = 0
    for g in s.groups:
        if g.class_type == "homeroom":
            for category, title, description, at in rng.sample(HOMEROOM_EVENTS, 2):
                day = rng.choice([d for d in days if d > today])
                n += 1
                filled_title, filled_description = _fill(rng, title, description)
                _item(b, s, g, f"li{n}", category, filled_title, filled_description, day, at, None)
            continue
        pool = WORK_POOL.get(g.subject or "", [])
        for category, title, description, max_score in rng.sample(pool, min(len(pool), rng.randint(2, 3))):
            day = rng.choice(days)
            n += 1
            due_at = None if category == "cat-lekse" else rng.choice(["08:30", "09:15", "10:15", "11:30", "12:15"])
            filled_title, filled_description = _fill(rng, title, description)
            _item(b, s, g, f"li{n}", category, filled_title, filled_description, day, due_at, max_score)


def _item(b: Builder, s: EvalSchool, g: Group, sid: str, category: str, title: str, description: str, day: date,
          at: str | None, max_score: float | None) -> None:
    due = datetime.combine(day, time.fromisoformat(at) if at else time(8, 0), tzinfo=OSLO)
    subject = SUBJECTS[g.subject][1] if g.subject else None
    b.roster.add("lineItems", sourcedId=sid, title=title, description=description,
                 assignDate=(due - timedelta(days=7)).date().isoformat(), dueDate=due.isoformat(),
                 classSourcedId=g.sid, categorySourcedId=category, gradingPeriodSourcedId=term_of(day),
                 resultValueMin=0 if max_score else None, resultValueMax=max_score)
    s.items.append(Item(sid, g.title, subject, category, title, description, due, max_score))
    if max_score and due < s.now - timedelta(days=1):
        for p in g.pupils:
            if b.rng.random() < 0.12:
                continue  # absent: no result yet
            score = round(max_score * min(1.0, max(0.1, b.rng.gauss(0.72, 0.16))) * 2) / 2  # half points
            comment = b.rng.choice(COMMENTS) if b.rng.random() < 0.7 else None
            b.roster.add("results", sourcedId=f"r-{sid}-{p.username}", lineItemSourcedId=sid,
                         studentSourcedId=p.sid, scoreStatus="fully graded", score=score,
                         scoreDate=day.isoformat(), comment=comment)
            s.results[(sid, p.sid)] = (score, comment)


# --- FACTS.md ------------------------------------------------------------------------------


def _day(d: date) -> str:
    return f"{WEEKDAYS_NB[d.weekday()]} {d.day}. {MONTHS_NB[d.month - 1]} {d.year}"


def _score(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def facts(s: EvalSchool) -> str:
    """Everything a guardian, pupil or teacher of the school would know, in plain words."""
    out = [f"# {s.name} ({s.kommune}) — facts for question writers", "",
           f"Now: {_day(s.now.date())} kl. {s.now:%H:%M} (Europe/Oslo). The Christmas break starts after "
           f"{_day(AUTUMN[3] - timedelta(days=2))}.",
           "The school's systems export only OneRoster: Ransel knows the people, classes, teachers and the "
           "lineItems below (titles, dates, descriptions) and the results — no timetable, no lesson times.",
           "Ask as a person listed below (use their username in `as:`). Guardians and pupils write in the "
           "language given; anyone may write in nb, nn or en.", ""]
    by_sid = s.people
    homerooms = [g for g in s.groups if g.class_type == "homeroom"]
    out.append("## Classes and teachers")
    for h in homerooms:
        contact = h.teachers[0][0]
        out.append(f"- **{h.title}** (grade {h.grade}): contact teacher {contact.given} {contact.family} "
                   f"(`{contact.username}`); pupils: " + ", ".join(f"{p.given} {p.family}" for p in h.pupils))
        for g in s.groups:
            if g.class_type == "scheduled" and g.grade == h.grade:
                t = g.teachers[0][0]
                out.append(f"  - {g.title}: {t.given} {t.family} (`{t.username}`)")
    out += ["", "## Families (guardians and their children)"]
    guardians = [p for p in by_sid.values() if p.role == "parent"]
    for gdn in guardians:
        kids = [by_sid[c] for c in gdn.agents]
        kid_text = ", ".join(f"{k.given} {k.family} ({_class_of(s, k)}, `{k.username}`)" for k in kids)
        out.append(f"- {gdn.given} {gdn.family} (`{gdn.username}`, writes {s.writes_in.get(gdn.sid, 'nb')}), "
                   f"guardian of {kid_text}")
    out += ["", "## Work, tests, events and things to bring (lineItems), by class",
            "Category in brackets. Times are school time. Items before now are past."]
    for h in homerooms:
        out += ["", f"### {h.title}"]
        mine = sorted((i for i in s.items if i.group.split()[0] == h.title), key=lambda i: i.due)
        for i in mine:
            when = _day(i.due.date()) + ("" if i.category == "cat-lekse" else f" kl. {i.due:%H:%M}")
            subject = f", {i.subject}" if i.subject else ""
            out.append(f"- {when} — **{i.title}** [{CATEGORY_ROWS[i.category]}{subject}]"
                       + (f", max {_score(i.max_score)} points" if i.max_score else "") + f": {i.description}")
    out += ["", "## Results (score of max; teacher's comment)"]
    items = {i.sid: i for i in s.items}
    for h in homerooms:
        for p in h.pupils:
            rows = [(items[sid], score, comment) for (sid, pid), (score, comment) in s.results.items() if pid == p.sid]
            if not rows:
                continue
            out.append(f"- {p.given} {p.family} ({h.title}):")
            for item, score, comment in sorted(rows, key=lambda r: r[0].due):
                out.append(f"  - {item.title} ({_day(item.due.date())}): {_score(score)} of {_score(item.max_score or 0)}"
                           + (f" — «{comment}»" if comment else ""))
        graded = {sid for (sid, _pid) in s.results}
        for item in (i for i in s.items if i.sid in graded and i.group.split()[0] == h.title):
            missing = [p for p in h.pupils if (item.sid, p.sid) not in s.results]
            if missing:
                out.append(f"- No result yet on {item.title} ({h.title}): "
                           + ", ".join(f"{p.given} {p.family}" for p in missing))
    out.append("")
    return "\n".join(out)


def _class_of(s: EvalSchool, pupil: Person) -> str:
    return next(g.title for g in s.groups if g.class_type == "homeroom" and pupil in g.pupils)


def write_school(seed: int, directory: Path) -> EvalSchool:
    """Write ``directory/oneroster/*.csv`` and ``directory/FACTS.md`` for ``seed``."""
    s, b = build_school(seed)
    directory = Path(directory)
    write_oneroster(b.roster, directory / "oneroster", system="Ransel evaluation school")
    (directory / "FACTS.md").write_text(facts(s), encoding="utf-8")
    (directory / "school.txt").write_text(f"seed: {seed}\nnow: {s.now.isoformat()}\n", encoding="utf-8")
    return s
