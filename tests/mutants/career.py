"""Mutants for exercises/*/03_career_building.ipynb."""

from __future__ import annotations

from . import right, wrong

KINDS = {"A": "AI for X", "B": "AI-centric", "C": "AI for X", "D": "AI-centric", "E": "AI for X", "F": "AI-centric",
         "G": "AI for X", "H": "AI-centric"}
DAYS = {1: "ML engineer", 2: "research engineer", 3: "research scientist", 4: "MLOps engineer", 5: "engineering manager",
        6: "on-device ML engineer"}
BOXES = ["Configuration", "Data Collection", "Data Verification", "Feature Extraction", "Machine Resource Management",
         "Analysis Tools", "Process Management Tools", "Serving Infrastructure", "Monitoring"]
BOXES_KO = ["설정", "데이터 수집", "데이터 검증", "특징 추출", "머신 리소스 관리", "분석 도구", "프로세스 관리 도구", "서빙 인프라", "모니터링"]
ROLES = {"P1": "ML product manager", "P2": "DevOps engineer", "P3": "Data engineer", "P4": "ML engineer", "P5": "ML researcher",
         "P6": "Data scientist"}
LAYERS = {"T1": "Frontend", "T2": "Backend", "T3": "Machine Learning", "T4": "Database", "T5": "Ops"}
PLAN = [
    {"project": "Receipt OCR web demo", "covers": ["R1", "R2", "R3", "R7"], "hours": 70, "evidence": "demo"},
    {"project": "Blog post for non-ML readers", "covers": ["R4"], "hours": 10, "evidence": "write-up"},
    {"project": "A document-AI competition", "covers": ["R1", "R6"], "hours": 30, "evidence": "repository"},
]
OTHER_PLAN = (
    {"evidence": "demo", "hours": 100.0, "project": "명함 인식 웹 데모", "covers": ("R3", "R2", "R1", "R4", "R5")},
    {"evidence": "write-up", "hours": 20, "project": "논문 재현 후기", "covers": ("R5",)},
)
MODELLING_ONLY_PLAN = [
    {"project": "Kaggle competition", "covers": ["R1", "R6"], "hours": 40, "evidence": "repository"},
    {"project": "Paper reproduction", "covers": ["R1", "R5"], "hours": 40, "evidence": "write-up"},
]
SPLIT_PLAN = [
    {"project": "OCR model", "covers": ["R1"], "hours": 30, "evidence": "repository"},
    {"project": "Receipt data pipeline", "covers": ["R2"], "hours": 30, "evidence": "repository"},
    {"project": "OCR API", "covers": ["R3"], "hours": 30, "evidence": "repository"},
    {"project": "Blog post", "covers": ["R4"], "hours": 10, "evidence": "write-up"},
]


def suggest_internship_first(p):
    if p["cs"] < 3:
        return "cs_fundamentals"
    if p["internships"] == 0:
        return "internship"
    if p["track"] == "research" and p["english"] < 3:
        return "english"
    if p["track"] == "research" and p["papers_reproduced"] == 0:
        return "reproduce_paper"
    if p["track"] == "engineering" and p["competitions"] == 0:
        return "competition"
    return "apply" if p["showcase"] else "showcase"


def suggest_english_for_everyone(p):
    if p["cs"] < 3:
        return "cs_fundamentals"
    if p["english"] < 3:
        return "english"
    if p["track"] == "research" and p["papers_reproduced"] == 0:
        return "reproduce_paper"
    if p["track"] == "engineering" and p["competitions"] == 0:
        return "competition"
    if p["internships"] == 0:
        return "internship"
    return "apply" if p["showcase"] else "showcase"


def suggest_cs_at_most_3(p):
    if p["cs"] <= 3:
        return "cs_fundamentals"
    if p["track"] == "research" and p["english"] < 3:
        return "english"
    if p["track"] == "research" and p["papers_reproduced"] == 0:
        return "reproduce_paper"
    if p["track"] == "engineering" and p["competitions"] == 0:
        return "competition"
    if p["internships"] == 0:
        return "internship"
    return "apply" if p["showcase"] else "showcase"


RULES = [
    (lambda p: p["cs"] < 3, "cs_fundamentals"),
    (lambda p: p["track"] == "research" and p["english"] < 3, "english"),
    (lambda p: p["track"] == "research" and not p["papers_reproduced"], "reproduce_paper"),
    (lambda p: p["track"] == "engineering" and not p["competitions"], "competition"),
    (lambda p: not p["internships"], "internship"),
    (lambda p: not p["showcase"], "showcase"),
]


def suggest_table(profile):
    if profile["track"] not in ("research", "engineering"):
        raise ValueError(profile["track"])
    return next((advice for test, advice in RULES if test(profile)), "apply")


MUTANTS = [
    wrong("career.q1", "the OCR API seller called AI for X", {**KINDS, "B": "AI for X"}),
    wrong("career.q1", "everything AI for X", {k: "AI for X" for k in KINDS}),
    wrong("career.q1", "dict with one extra key", {**KINDS, "I": "AI-centric"}),
    right("career.q1", "the notebook's Korean 'AI 중심'", {k: "AI 중심" if v == "AI-centric" else v for k, v in KINDS.items()}),
    right("career.q1", "other case and spacing", {k: v.lower().replace("-", " ") for k, v in KINDS.items()}),
    wrong("career.q2", "a list in day order instead of the dict", list(DAYS.values())),
    wrong("career.q2", "research engineer and scientist swapped", {**DAYS, 2: "research scientist", 3: "research engineer"}),
    wrong("career.q2", "MLOps called ML engineer", {**DAYS, 4: "ML engineer"}),
    right("career.q2", "the notebook's Korean titles", {1: "ML 엔지니어", 2: "리서치 엔지니어", 3: "리서치 사이언티스트", 4: "MLOps 엔지니어",
                                                        5: "엔지니어링 매니저", 6: "온디바이스 ML 엔지니어"}),
    right("career.q2", "string keys and 'on device'", {str(k): v.replace("-", " ") for k, v in DAYS.items()}),
    wrong("career.q3", "the ML code box included", BOXES + ["ML Code"]),
    wrong("career.q3", "monitoring forgotten", BOXES[:-1]),
    wrong("career.q3", "one box twice, one missing", BOXES[:-1] + ["Configuration"]),
    right("career.q3", "Korean labels in another order", BOXES_KO[::-1]),
    right("career.q3", "the figure's keys as a tuple", tuple(b.lower().replace(" ", "_") for b in BOXES)),
    right("career.q3", "a set", set(BOXES)),
    wrong("career.q4", "engineer and researcher swapped", {**ROLES, "P4": "ML researcher", "P5": "ML engineer"}),
    wrong("career.q4", "the churn notebook by the data engineer", {**ROLES, "P6": "Data engineer"}),
    right("career.q4", "Korean role names", {"P1": "ML 프로덕트 매니저", "P2": "DevOps 엔지니어", "P3": "데이터 엔지니어", "P4": "ML 엔지니어",
                                            "P5": "ML 연구자", "P6": "데이터 사이언티스트"}),
    right("career.q4", "hyphens and lower case", {k: v.lower().replace(" ", "-") for k, v in ROLES.items()}),
    wrong("career.q5", "internship checked before the track rules", suggest_internship_first),
    wrong("career.q5", "English rule for both tracks", suggest_english_for_everyone),
    wrong("career.q5", "cs <= 3", suggest_cs_at_most_3),
    right("career.q5", "a rule table", suggest_table),
    wrong("career.q6", "the likes stored by the backend", {**LAYERS, "T4": "Backend"}),
    wrong("career.q6", "the endpoint called machine learning", {**LAYERS, "T2": "Machine Learning"}),
    right("career.q6", "Korean layer names", {"T1": "프론트엔드", "T2": "백엔드", "T3": "머신러닝", "T4": "데이터베이스", "T5": "운영"}),
    right("career.q6", "'front-end', 'ML', 'DB', 'DevOps'", {"T1": "front-end", "T2": "back end", "T3": "ML", "T4": "DB", "T5": "DevOps"}),
    wrong("career.q9", "modelling only: a competition and a paper reproduction", MODELLING_ONLY_PLAN),
    wrong("career.q9", "over the 120 h budget", [{**p, "hours": p["hours"] + 5} for p in PLAN]),
    wrong("career.q9", "no showcase: the demo split into small repositories", SPLIT_PLAN),
    right("career.q9", "the plan as written in the solution", PLAN),
    right("career.q9", "two projects, tuples, floats, Korean names", OTHER_PLAN),
    wrong("career.q10", "the sample line unchanged", "Built a state-of-the-art Transformer model for Korean sentiment analysis using PyTorch."),
    wrong("career.q10", "a number and a link, but only the model", "Fine-tuned KoBERT to macro-F1 0.91: https://github.com/me/ko-bert"),
    wrong("career.q10", "everything, but on three lines",
          "Collected 20,000 reviews\nserved a Flask API demo with F1 0.91\nhttps://github.com/me/reviews"),
    right("career.q10", "English, with data, a metric and a link",
          "Collected and cleaned 20,000 Korean reviews, fine-tuned KoBERT (macro-F1 0.91), served as a Flask API demo: "
          "https://github.com/me/review-sentiment"),
    right("career.q10", "Korean", "리뷰 2만 건을 크롤링·전처리하고 KoBERT를 미세조정해 정확도 91% 달성, Docker로 배포한 데모: github.com/me/ko-sentiment"),
]
