"""Lecture 3, "How to start my AI engineering career": the talk's Step 1 checklist, its Q&A advice, and
two exercises that are judged by properties rather than one answer — a portfolio plan built from a job
posting's requirements and a rewritten résumé line.

The data (the checklist, the Q&A, a constructed job posting) lives in ``workbook/data/career_talk.json``
beside the rest of the talk's data; every function here is plain and tested without a widget.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..i18n import get_lang, t
from ..widgets import full_text_table
from .career import TRACKS, label, talk_data

if TYPE_CHECKING:
    import ipywidgets

EVIDENCE = ("repository", "demo", "write-up")  # what a reviewer can open
MIN_HOURS_PER_REQUIREMENT = 10  # a project that claims a requirement spends at least this long on it
SHOWCASE_REQUIREMENTS = 3  # the "strong showcase" covers at least this many requirements ...
SHOWCASE_NEEDS = "R3"  # ... including serving: something people can try
RESUME_MAX_CHARS = 200


# ------------------------------------------------------------------- Step 1: the talk's checklist

def checklist() -> list[dict[str, Any]]:
    """The talk's Step 1 questions, each with the track(s) it belongs to."""
    return talk_data()["checklist"]


def track_reading(answers: Mapping[str, bool]) -> str:
    """What the talk's checklist says for ``answers`` (question key -> yes/no): ``"researcher"`` or
    ``"engineer"`` when every question of that track is a yes, ``"both"`` when both are, ``"not_yet"``
    when a question both tracks share is a no (the talk: what matters is caring about the whole process,
    not modelling alone), else ``"undecided"``. Raise ValueError on unknown or missing questions."""
    keys = {item["key"] for item in checklist()}
    if set(answers) != keys:
        raise ValueError(f"answer every checklist question {sorted(keys)}; got {sorted(answers)}")
    shared = [i["key"] for i in checklist() if set(i["tracks"]) == set(TRACKS)]
    if not all(answers[k] for k in shared):
        return "not_yet"
    fits = [track for track in TRACKS if all(answers[i["key"]] for i in checklist() if track in i["tracks"])]
    return "both" if len(fits) == len(TRACKS) else fits[0] if fits else "undecided"


READINGS = {
    "researcher": ("The talk's researcher profile: fundamentals, and patience when results do not come.",
                   "강연이 말한 연구자 유형입니다: 기초 학문을 좋아하고, 결과가 안 나와도 꾸준히 파고듭니다."),
    "engineer": ("The talk's engineer profile: interest in the business, and in models that change people's lives.",
                 "강연이 말한 엔지니어 유형입니다: 비즈니스에 관심이 있고, 모델이 사람들의 삶을 바꾸길 바랍니다."),
    "both": ("Both profiles fit: try both (an internship, a paper reproduction) before choosing.",
             "두 유형 모두에 해당합니다. 고르기 전에 둘 다 해 보세요(인턴십, 논문 재현)."),
    "not_yet": ("Neither yet: the talk's point is that both tracks need you to care about the whole process — "
                "web work, preprocessing, grunt work — not modelling alone.",
                "아직은 어느 쪽도 아닙니다. 강연의 요점은 두 길 모두 모델링만이 아니라 과정 전체(웹 작업, 전처리, 궂은 일)에 "
                "관심이 있어야 한다는 것입니다."),
    "undecided": ("Not decided by the checklist: neither track's questions are all a yes. Start something "
                  "small (Step 2) and ask again.",
                  "체크리스트만으로는 정해지지 않습니다. 어느 쪽 질문에도 모두 '예'가 아닙니다. 작은 것부터 시작해 보고(2단계) 다시 물어보세요."),
}


def track_controls() -> dict[str, ipywidgets.Checkbox]:
    """One checkbox per checklist question, unticked, for ``live(track_view, ...)``."""
    import ipywidgets as w

    return {item["key"]: w.Checkbox(value=False, description=label(item), indent=False, layout=w.Layout(width="auto"))
            for item in checklist()}


def track_tally(answers: Mapping[str, bool]) -> dict[str, tuple[int, int]]:
    """Per group of the checklist (each track's own questions, then the shared ones): (yes, questions)."""
    groups: dict[str, list[bool]] = {track: [] for track in TRACKS} | {"shared": []}
    for item in checklist():
        group = "shared" if set(item["tracks"]) == set(TRACKS) else item["tracks"][0]
        groups[group].append(bool(answers[item["key"]]))
    return {group: (sum(yes), len(yes)) for group, yes in groups.items()}


def track_view(lang: str | None = None, **answers: bool) -> str:
    """For ``live``: the ticks per group, then the checklist's reading of them."""
    reading = track_reading(answers)
    tally = track_tally(answers)
    names = {"researcher": t("researcher", "연구자", lang), "engineer": t("engineer", "엔지니어", lang),
             "shared": t("both tracks", "두 길 공통", lang)}
    counts = ", ".join(f"{names[group]} {yes}/{total}" for group, (yes, total) in tally.items())
    en, ko = READINGS[reading]
    return f"{counts}\n{t(en, ko, lang)}"


def checklist_table(lang: str | None = None) -> Any:
    """The checklist as a table: question and the track(s) it belongs to, every cell in full."""
    import pandas as pd

    names = {"researcher": t("researcher", "연구자", lang), "engineer": t("engineer", "엔지니어", lang)}
    return full_text_table(pd.DataFrame({
        t("question", "질문", lang): [label(i, lang) for i in checklist()],
        t("track", "해당 트랙", lang): [", ".join(names[k] for k in i["tracks"]) for i in checklist()]}))


def qa_table(lang: str | None = None) -> Any:
    """The talk's Q&A: each question and the speaker's answer (paraphrased), every cell in full."""
    import pandas as pd

    rows = talk_data()["qa"]
    return full_text_table(pd.DataFrame({
        t("question", "질문", lang): [t(r["q_en"], r["q_ko"], lang) for r in rows],
        t("the talk's answer", "강연의 답", lang): [label(r, lang) for r in rows]}))


# ------------------------------------------------------------- Exercise: a plan from a job posting

def job_posting() -> dict[str, Any]:
    """The constructed job posting of the exercise (see its ``provenance_*``)."""
    return talk_data()["job_posting"]


def budget_hours() -> float:
    posting = job_posting()
    return posting["budget_weeks"] * posting["hours_per_week"]


def posting_markdown(lang: str | None = None) -> str:
    """The posting as the learner reads it: title, provenance, and the requirements with their keys."""
    posting = job_posting()
    lines = [f"**{t(posting['title_en'], posting['title_ko'], lang)}**", "",
             f"*{t(posting['provenance_en'], posting['provenance_ko'], lang)}*", "",
             t("| key | requirement | |", "| 키 | 자격 요건 | |", lang), "|---|---|---|"]
    for req in posting["requirements"]:
        kind = t("required", "필수", lang) if req["must"] else t("a plus", "우대", lang)
        lines.append(f"| {req['key']} | {label(req, lang)} | {kind} |")
    return "\n".join(lines)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def portfolio_plan_problems(plan: Any, lang: str | None = None) -> list[str]:
    """Property checker for a portfolio plan built from :func:`job_posting`: a list of projects, each
    ``{"project": name, "covers": [requirement keys], "hours": h, "evidence": one of EVIDENCE}``.
    The plan must cover every required requirement, fit the time budget, give each claimed requirement
    at least MIN_HOURS_PER_REQUIREMENT hours, and hold one strong showcase: a demo covering at least
    SHOWCASE_REQUIREMENTS requirements including serving. Returns the problems; empty means it passes."""
    lang = lang or get_lang()
    if not isinstance(plan, (list, tuple)) or not plan:
        return [t("Give a non-empty list of projects (dicts).", "프로젝트(딕셔너리)를 담은 비어 있지 않은 리스트로 답하세요.", lang)]
    requirements = {r["key"]: r for r in job_posting()["requirements"]}
    problems: list[str] = []
    projects = []
    for index, project in enumerate(plan, start=1):
        where = t(f"Project {index}", f"{index}번 프로젝트", lang)
        if not isinstance(project, Mapping):
            problems.append(t(f"{where} is not a dict.", f"{where}가 딕셔너리가 아닙니다.", lang))
            continue
        name, covers = project.get("project"), project.get("covers")
        hours, evidence = project.get("hours"), project.get("evidence")
        if not isinstance(name, str) or not name.strip():
            problems.append(t(f"{where}: give it a name ('project').", f"{where}: 이름('project')을 적으세요.", lang))
        if not isinstance(covers, (list, tuple)) or not covers or not all(isinstance(c, str) for c in covers):
            problems.append(t(f"{where}: 'covers' must be a non-empty list of requirement keys such as \"R1\".",
                              f"{where}: 'covers'는 \"R1\" 같은 요건 키의 리스트여야 합니다.", lang))
            continue
        unknown = [c for c in covers if c not in requirements]
        if unknown:
            problems.append(t(f"{where}: not a requirement of the posting: {', '.join(map(repr, unknown))}.",
                              f"{where}: 공고에 없는 요건: {', '.join(map(repr, unknown))}.", lang))
        if not _number(hours) or hours <= 0:
            problems.append(t(f"{where}: 'hours' must be a positive number.", f"{where}: 'hours'는 양수여야 합니다.", lang))
            continue
        if evidence not in EVIDENCE:
            problems.append(t(f"{where}: 'evidence' must be one of {list(EVIDENCE)} — what a reviewer can open.",
                              f"{where}: 'evidence'는 {list(EVIDENCE)} 중 하나여야 합니다. 검토자가 열어 볼 수 있는 것입니다.", lang))
        claimed = set(covers) & set(requirements)
        if hours < MIN_HOURS_PER_REQUIREMENT * len(claimed):
            problems.append(t(f"{where}: {len(claimed)} requirement(s) in {hours:g} h is not believable; "
                              f"give each at least {MIN_HOURS_PER_REQUIREMENT} h.",
                              f"{where}: {hours:g}시간에 요건 {len(claimed)}개는 믿기 어렵습니다. "
                              f"요건마다 {MIN_HOURS_PER_REQUIREMENT}시간 이상을 잡으세요.", lang))
        projects.append((claimed, float(hours), evidence))
    covered = set().union(*(claimed for claimed, _, _ in projects)) if projects else set()
    for key, req in requirements.items():
        if req["must"] and key not in covered:
            problems.append(t(f"{key} is required and no project shows it: {req['en']}.",
                              f"필수 요건 {key}를 보여 주는 프로젝트가 없습니다: {req['ko']}.", lang))
    total, budget = sum(h for _, h, _ in projects), budget_hours()
    if total > budget:
        posting = job_posting()
        problems.append(t(f"The plan needs {total:g} h; the budget is {budget:g} h "
                          f"({posting['budget_weeks']} weeks × {posting['hours_per_week']} h).",
                          f"계획에 {total:g}시간이 필요한데, 쓸 수 있는 시간은 {budget:g}시간"
                          f"({posting['budget_weeks']}주 × 주당 {posting['hours_per_week']}시간)입니다.", lang))
    if projects and not any(len(claimed) >= SHOWCASE_REQUIREMENTS and SHOWCASE_NEEDS in claimed and evidence == "demo"
                            for claimed, _, evidence in projects):
        problems.append(t(f"No strong showcase: let one project cover at least {SHOWCASE_REQUIREMENTS} requirements, "
                          f"including serving ({SHOWCASE_NEEDS}), as a demo people can try.",
                          f"'강력한 한 방'이 없습니다. 프로젝트 하나가 서빙({SHOWCASE_NEEDS})을 포함해 요건을 "
                          f"{SHOWCASE_REQUIREMENTS}개 이상 다루고, 사람들이 써 볼 수 있는 데모(demo)가 되게 하세요.", lang))
    return problems


def plan_coverage(plan: Sequence[Mapping[str, Any]], lang: str | None = None) -> Any:
    """Per requirement of the posting, the projects of ``plan`` that claim it (a table to read one's plan by)."""
    import pandas as pd

    rows = []
    for req in job_posting()["requirements"]:
        names = [str(p.get("project", "?")) for p in plan
                 if isinstance(p, Mapping) and isinstance(p.get("covers"), (list, tuple)) and req["key"] in p["covers"]]
        rows.append({t("key", "키", lang): req["key"], t("requirement", "요건", lang): label(req, lang),
                     t("required", "필수", lang): "✓" if req["must"] else "",
                     t("shown by", "보여 주는 프로젝트", lang): ", ".join(names) or "—"})
    return full_text_table(pd.DataFrame(rows))


# ------------------------------------------------------------- Exercise: rewrite a résumé line

SAMPLE_RESUME_LINE = {
    "en": "Built a state-of-the-art Transformer model for Korean sentiment analysis using PyTorch.",
    "ko": "PyTorch로 최신 Transformer 기반 한국어 감성 분석 모델 개발.",
}

# Steps of the process besides modelling (the talk: web work, preprocessing, everything the process needs).
PROCESS_WORDS = re.compile(
    r"collect|crawl|scrap|clean|preprocess|pre-process|label|annotat|pipeline|\bserv|deploy|\bapi\b|docker|"
    r"\bweb|demo|monitor|dashboard|수집|크롤링|정제|전처리|라벨|레이블|어노테이션|주석|파이프라인|서빙|배포|웹|데모|모니터링|대시보드",
    re.IGNORECASE)
# A number the reader can check: a number with a unit, or a metric named next to a number.
RESULT = re.compile(
    r"\d[\d,.]*\s*(%|%p|pp\b|ms\b|s\b|x\b|×|배|점|명|건|개|users?\b|requests?\b|k\b|만)|"
    r"(f1|bleu|rouge|accuracy|precision|recall|auc|wer|cer|latency|정확도|정밀도|재현율|지연)\D{0,12}\d",
    re.IGNORECASE)
EVIDENCE_LINK = re.compile(r"(https?://\S+|github\.com/\S+|huggingface\.co/\S+)", re.IGNORECASE)


def resume_line_problems(line: Any, lang: str | None = None) -> list[str]:
    """Property checker for a rewritten résumé line, against the talk's advice: one line (at most
    RESUME_MAX_CHARS characters) that shows the process beyond the model (data, serving, web), a
    measurable result, and evidence a reader can open (a link). English or Korean."""
    lang = lang or get_lang()
    if not isinstance(line, str) or not line.strip():
        return [t("Give the rewritten line as a string.", "고쳐 쓴 문장을 문자열로 주세요.", lang)]
    problems = []
    if "\n" in line.strip() or len(line.strip()) > RESUME_MAX_CHARS:
        problems.append(t(f"Keep it to one line of at most {RESUME_MAX_CHARS} characters (this is {len(line.strip())}).",
                          f"한 줄, {RESUME_MAX_CHARS}자 이내로 줄이세요(지금 {len(line.strip())}자).", lang))
    if not PROCESS_WORDS.search(line):
        problems.append(t("Only the model shows: name a step around it — collecting or cleaning data, labelling, "
                          "serving it as an API, a web demo, monitoring.",
                          "모델만 보입니다. 그 주변의 일도 적으세요: 데이터 수집·정제, 라벨링, API 서빙, 웹 데모, 모니터링.", lang))
    if not RESULT.search(line):
        problems.append(t("No measurable result: give a number with its metric or unit (F1 0.91, 35 ms, 20,000 reviews).",
                          "측정할 수 있는 결과가 없습니다. 지표나 단위가 붙은 숫자를 적으세요(F1 0.91, 35 ms, 리뷰 2만 건).", lang))
    if not EVIDENCE_LINK.search(line):
        problems.append(t("Nothing a reader can open: add a link to the repository or the demo.",
                          "읽는 사람이 열어 볼 것이 없습니다. 저장소나 데모 링크를 붙이세요.", lang))
    return problems
