#!/usr/bin/env python3
"""A synthetic corpus of annual reports (政府信息公开工作年度报告) with truth, for the parser.

    python bench/synth.py OUT [--agencies N] [--years 2019-2025] [--formats txt,html,docx,pdf] [--seed S]
    ../shared/tools/score OUT --cmd ".venv/bin/xxgk parse --format jsonl"

writes OUT/raw/<stem>.<ext> and OUT/truth/<stem>.json in the layout of the shared corpus (truth is
{"agency", "year", "format", "published", "notes", "cells": {cell id: number or null}}), so the
scorer reads it as it reads the real reports. Every agency gets a report for every year, and every
report is written in every requested format, each file under its own stem (`…-2023-html`).

What it imitates, from the real reports in tests/fixtures:
- agencies: provinces, cities, districts and counties, towns and their departments, printed with and
  without their parent's prefix across years (洪泽区人民政府 / 淮安市洪泽区人民政府);
- the two format versions: years up to 2020 print the 2019 format, later ones the 2021 format, and
  a share of 2021-format reports keep the single 2019-style （六）其他处理 row (`requests.other.*`);
- figures: mostly zeros, a few large agencies with thousands of requests; consistent totals (row
  and column totals, the balance new + carried_in = total + carried_out, review totals) except in a
  share of reports that publish a wrong total (kept in truth, named in `notes`); carried_in equal to
  last year's carried_out mostly; blanks printed empty, '/', '-' or '—' (null in truth); money in
  万元 with decimals (2021 fees) or with '元'/'万元' printed in the cell (2019 procurement);
- layouts: plain text with one tab-indented cell per line (tests/fixtures/000_*.txt); HTML in four
  layouts of the corpus (a portal's bordered tables with blank zeros and misaligned colspans, a CMS's
  <p><span> cells with &nbsp; padding and a split rowspan, a Word export with <o:p> and a skewed
  header grid, clean tables with labels split over <p>); DOCX: the official blank 2021 template
  (bench/templates/) filled in, as tests/fixtures/019_*.docx, and python-docx tables for the 2019
  format; PDF: that DOCX exported by LibreOffice (`soffice --headless --convert-to pdf`), in one
  batch per run, cached by the DOCX's SHA-256.

Truth is the figure the file prints, never a corrected one. The same (agency, year) report has the
same truth in every format. Generation is deterministic for a seed (DOCX zips get fixed
timestamps); PDFs depend on the LibreOffice version.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import html as htmlmod
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "bench" / "templates" / "2021-template-blank.docx"
FORMATS = ("txt", "html", "docx", "pdf")

# -- the format: rows and columns in national order ------------------------------------------

APPLICANTS = ["natural_person", "business", "research", "nonprofit", "legal_services", "other_org"]
COLS3 = APPLICANTS + ["total"]
DENIED = ["state_secret", "prohibited_by_law", "security_stability", "third_party", "internal_affairs",
          "deliberative", "enforcement_file", "query_matter"]
UNAVAILABLE = ["not_held", "needs_creation", "unclear"]
REJECTED = ["petition", "duplicate", "publication", "excessive", "confirmation"]
OTHER_2021 = ["no_correction", "no_fee", "misc"]


def outcome_rows(fmt: str, single_other: bool) -> list[str]:
    rows = ["granted", "partial", *(f"denied.{d}" for d in DENIED), *(f"unavailable.{u}" for u in UNAVAILABLE),
            *(f"rejected.{r}" for r in REJECTED)]
    if fmt == "2019" or single_other:
        return rows + ["other"]
    return rows + [f"other.{o}" for o in OTHER_2021]


REVIEW_ROWS = ["review", "litigation_direct", "litigation_after_review"]
REVIEW_COLS = ["upheld", "corrected", "other", "pending", "total"]

SECTION2 = {
    "2019": [("rules", ["made", "published", "total"]), ("normative", ["made", "published", "total"]),
             ("licensing", ["previous", "change", "decisions"]),
             ("other_services", ["previous", "change", "decisions"]),
             ("penalty", ["previous", "change", "decisions"]), ("coercion", ["previous", "change", "decisions"]),
             ("fees", ["previous", "change"]), ("procurement", ["items", "amount"])],
    "2021": [("rules", ["issued", "repealed", "in_force"]), ("normative", ["issued", "repealed", "in_force"]),
             ("licensing", ["decisions"]), ("penalty", ["decisions"]), ("coercion", ["decisions"]),
             ("fees", ["amount"])],
}

HEADINGS = {
    1: ["一、总体情况"],
    2: ["二、主动公开政府信息情况"],
    3: ["三、收到和处理政府信息公开申请情况"],
    4: ["四、政府信息公开行政复议、行政诉讼情况", "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"],
    5: ["五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况"],
    6: ["六、其他需要报告的事项"],
}

ROW_LABEL = {
    "granted": "（一）予以公开", "denied": "（三）不予公开", "unavailable": "（四）无法提供",
    "rejected": "（五）不予处理", "other": "（六）其他处理", "total": "（七）总计",
    "denied.state_secret": "属于国家秘密", "denied.prohibited_by_law": "其他法律行政法规禁止公开",
    "denied.security_stability": "危及“三安全一稳定”", "denied.third_party": "保护第三方合法权益",
    "denied.internal_affairs": "属于三类内部事务信息", "denied.deliberative": "属于四类过程性信息",
    "denied.enforcement_file": "属于行政执法案卷", "denied.query_matter": "属于行政查询事项",
    "unavailable.not_held": "本机关不掌握相关政府信息", "unavailable.needs_creation": "没有现成信息需要另行制作",
    "unavailable.unclear": "补正后申请内容仍不明确", "rejected.petition": "信访举报投诉类申请",
    "rejected.duplicate": "重复申请", "rejected.publication": "要求提供公开出版物",
    "rejected.excessive": "无正当理由大量反复申请", "rejected.confirmation": "要求行政机关确认或重新出具已获取信息",
    "other.no_correction": "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.no_fee": "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.misc": "其他",
}
PARTIAL_LONG = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
PARTIAL_SHORT = "（二）部分公开"
TOPLEFT = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_LABEL = {"natural_person": "自然人", "business": "商业企业", "research": "科研机构",
                   "nonprofit": "社会公益组织", "legal_services": "法律服务机构", "other_org": "其他",
                   "total": "总计"}
S2_ROW = {"rules": "规章", "licensing": "行政许可", "other_services": "其他对外管理服务事项",
          "penalty": "行政处罚", "coercion": "行政强制", "fees": "行政事业性收费", "procurement": "政府集中采购"}
S2_GROUP = {"rules": "第二十条第（一）项", "licensing": "第二十条第（五）项", "penalty": "第二十条第（六）项",
            "fees": "第二十条第（八）项", "procurement": "第二十条第（九）项"}
S2_HEAD = {"made": "本年新制作数量", "published": "本年新公开数量", "total": "对外公开总数量",
           "previous": "上一年项目数量", "change": "本年增/减", "items": "采购项目数量", "amount": "采购总金额",
           "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数"}
REVIEW_HEAD = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结",
               "total": "总计"}
FEES_HEAD_2021 = "本年收费金额（单位：万元）"

# -- agencies ---------------------------------------------------------------------------------

GEO = {
    "江苏省": {"淮安市": ["洪泽区", "淮安区", "清江浦区", "涟水县", "盱眙县", "金湖县"],
               "南京市": ["鼓楼区", "玄武区", "江宁区", "浦口区"], "苏州市": ["吴中区", "相城区", "昆山市", "常熟市"]},
    "福建省": {"福州市": ["鼓楼区", "台江区", "仓山区", "闽侯县"], "厦门市": ["思明区", "湖里区", "集美区"]},
    "浙江省": {"杭州市": ["西湖区", "余杭区", "萧山区", "桐庐县"], "宁波市": ["海曙区", "鄞州区", "慈溪市"]},
    "广东省": {"广州市": ["天河区", "越秀区", "番禺区"], "深圳市": ["福田区", "南山区", "龙岗区"]},
    "山东省": {"济南市": ["历下区", "市中区", "章丘区"], "青岛市": ["市南区", "崂山区", "黄岛区"]},
    "四川省": {"成都市": ["锦江区", "武侯区", "双流区"], "绵阳市": ["涪城区", "游仙区", "江油市"]},
    "湖北省": {"武汉市": ["江岸区", "洪山区", "武昌区"], "宜昌市": ["西陵区", "夷陵区", "当阳市"]},
    "重庆市": {"": ["渝北区", "江北区", "沙坪坝区", "九龙坡区", "万州区"]},
    "上海市": {"": ["浦东新区", "徐汇区", "闵行区"]},
}
TOWNS = ["洛碛镇", "古路镇", "石船镇", "高桥镇", "城关镇", "龙泉镇", "西山镇", "黄庄镇", "新华街道", "东城街道",
         "南湖街道", "老城街道"]
DEPTS = [("市场监督管理局", 1.5), ("自然资源和规划局", 3.0), ("生态环境局", 0.8), ("住房和城乡建设局", 1.5),
         ("人力资源和社会保障局", 1.0), ("公安局", 2.0), ("教育局", 0.6), ("卫生健康委员会", 0.6), ("财政局", 0.5),
         ("交通运输局", 0.6), ("民政局", 0.4), ("司法局", 0.3), ("农业农村局", 0.5), ("应急管理局", 0.3),
         ("水利局", 0.3), ("发展和改革委员会", 0.6), ("审计局", 0.2), ("退役军人事务局", 0.2), ("商务局", 0.3),
         ("文化广电和旅游局", 0.2)]


@dataclass
class Agency:
    index: int
    kind: str  # province, city, district, town, city_dept, district_dept
    names: list[str]  # printed variants, longest first
    alternate: bool  # prints a different variant in some years
    scale: float  # mean of new requests a year
    short: str  # how the narrative calls itself
    slug: str
    single_other: bool  # a 2021-format report keeps the single 2019-style （六）其他处理 row
    carried_out: dict[str, int] | None = None  # last year's, per applicant column


def _slug(name: str, index: int) -> str:
    try:
        from pypinyin import Style, lazy_pinyin
        letters = "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p and p[0].isalnum())
    except ImportError:  # pragma: no cover - pypinyin is a dependency of the project
        letters = "agency"
    return f"{index:04d}_{letters[:14].lower() or 'agency'}"


def make_agencies(n: int, rng: random.Random, single_other: float) -> list[Agency]:
    out: list[Agency] = []
    seen: set[str] = set()
    kinds = [("town", 0.22), ("district_dept", 0.30), ("city_dept", 0.18), ("district", 0.16), ("city", 0.09),
             ("province", 0.05)]
    tries = 0
    while len(out) < n and tries < n * 200:
        tries += 1
        kind = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        prov = rng.choice(sorted(GEO))
        municipality = "" in GEO[prov]
        city = rng.choice(sorted(GEO[prov]))
        county = rng.choice(GEO[prov][city])
        city_name = prov if municipality else city
        if kind == "province":
            names = [prov + rng.choice(["人民政府", "人民政府办公厅"])]
            scale = rng.uniform(900, 4000) if names[0].endswith("政府") else rng.uniform(150, 900)
        elif kind == "city":
            names = [city_name + "人民政府"] if not municipality else [prov + "人民政府"]
            if not municipality and rng.random() < 0.3:
                names = [prov + city + "人民政府", city + "人民政府"]
            scale = rng.uniform(400, 3500)
        elif kind == "district":
            names = [city_name + county + "人民政府", county + "人民政府"]
            scale = rng.uniform(15, 300)
        elif kind == "town":
            town = rng.choice(TOWNS)
            suffix = "办事处" if town.endswith("街道") else "人民政府"
            names = [city_name + county + town + suffix, county + town + suffix]
            scale = rng.choice([0, 0, 0.3, 1, 2, 5])
        elif kind == "city_dept":
            dept, weight = rng.choice(DEPTS)
            names = [city_name + dept]
            scale = weight * rng.uniform(5, 150)
        else:
            dept, weight = rng.choice(DEPTS)
            names = [city_name + county + dept, county + dept]
            scale = weight * rng.uniform(0, 25)
        if names[0] in seen:
            continue
        seen.add(names[0])
        short = "我" + {"province": "省", "city": "市", "district": county[-1],
                       "town": "镇" if "镇" in names[0] else "街道", "city_dept": "局",
                       "district_dept": "局"}[kind]
        if names[0].endswith("委员会"):
            short = "我委"
        i = len(out) + 1
        out.append(Agency(i, kind, names, alternate=len(names) > 1 and rng.random() < 0.5, scale=scale,
                          short=short, slug=_slug(names[-1], i), single_other=rng.random() < single_other))
    return out


# -- figures ----------------------------------------------------------------------------------


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    if n > 200:
        return min(n, max(0, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))
    return sum(rng.random() < p for _ in range(n))


def _multinomial(rng: random.Random, n: int, weights: list[float]) -> list[int]:
    out, left, rest = [], n, sum(weights)
    for w in weights[:-1]:
        k = _binomial(rng, left, w / rest if rest > 0 else 0)
        out.append(k)
        left -= k
        rest -= w
    return out + [left]


OUTCOME_WEIGHT = {"granted": 30, "partial": 8, "denied.state_secret": 0.2, "denied.prohibited_by_law": 0.5,
                  "denied.security_stability": 0.3, "denied.third_party": 1, "denied.internal_affairs": 1,
                  "denied.deliberative": 1.5, "denied.enforcement_file": 0.8, "denied.query_matter": 1.5,
                  "unavailable.not_held": 25, "unavailable.needs_creation": 4, "unavailable.unclear": 2,
                  "rejected.petition": 4, "rejected.duplicate": 3, "rejected.publication": 1,
                  "rejected.excessive": 1.5, "rejected.confirmation": 1, "other": 6, "other.no_correction": 3,
                  "other.no_fee": 0.3, "other.misc": 4}
APPLICANT_SHARE = {"natural_person": 0.86, "business": 0.07, "research": 0.004, "nonprofit": 0.004,
                   "legal_services": 0.04, "other_org": 0.02}


@dataclass
class Report:
    agency: Agency
    name: str  # as printed in the title
    year: int
    fmt: str  # "2019" or "2021"
    single_other: bool
    values: dict[str, object]  # cell id -> int | Decimal | None (what the report means to print)
    printed: dict[str, str]  # cell id -> the text in the cell
    truth: dict[str, int | float | None]
    published: str | None
    notes: list[str]
    style: dict
    narrative: dict[str, list[str]] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.style["title"].format(agency=self.name, year=self.year)


def _section3(rng: random.Random, agency: Agency, year: int, fmt: str, single_other: bool) -> dict[str, int]:
    v: dict[str, int] = {}
    lam = agency.scale * rng.lognormvariate(0, 0.35)
    share = {k: s * rng.lognormvariate(0, 0.5) for k, s in APPLICANT_SHARE.items()}
    total_share = sum(share.values())
    carried = agency.carried_out
    for col in APPLICANTS:
        v[f"requests.new.{col}"] = _poisson(rng, lam * share[col] / total_share)
        if carried is not None and rng.random() < 0.92:
            v[f"requests.carried_in.{col}"] = carried[col]
        else:
            v[f"requests.carried_in.{col}"] = _poisson(rng, lam * share[col] / total_share * 0.04)
    rows = outcome_rows(fmt, single_other)
    weights = [OUTCOME_WEIGHT[r] * rng.lognormvariate(0, 0.6) for r in rows]
    carry_rate = rng.choice([0, 0, 0.01, 0.03, 0.06, 0.1])
    for col in APPLICANTS:
        avail = v[f"requests.new.{col}"] + v[f"requests.carried_in.{col}"]
        out = _binomial(rng, avail, carry_rate)
        v[f"requests.carried_out.{col}"] = out
        for row, k in zip(rows, _multinomial(rng, avail - out, weights), strict=True):
            v[f"requests.{row}.{col}"] = k
        v[f"requests.total.{col}"] = avail - out
    for row in ["new", "carried_in", *rows, "total", "carried_out"]:
        v[f"requests.{row}.total"] = sum(v[f"requests.{row}.{c}"] for c in APPLICANTS)
    return v


def _section4(rng: random.Random, handled: int) -> dict[str, int]:
    v: dict[str, int] = {}
    rate = rng.choice([0.0, 0.01, 0.03, 0.06, 0.12])
    lam = {"review": handled * rate, "litigation_direct": handled * rate * 0.4}
    for row in REVIEW_ROWS:
        n = _poisson(rng, lam.get(row, v.get("review.total", 0) * 0.3))
        parts = _multinomial(rng, n, [6, 1.2, 1.5, 1.5])
        for col, k in zip(REVIEW_COLS[:4], parts, strict=True):
            v[f"{row}.{col}"] = k
        v[f"{row}.total"] = n
    return v


def _section2(rng: random.Random, agency: Agency, fmt: str) -> dict[str, object]:
    v: dict[str, object] = {}
    big = agency.kind in ("province", "city")
    gov = agency.kind in ("province", "city", "district", "town")
    size = {"province": 20, "city": 8, "district": 3, "town": 0.3, "city_dept": 1.5, "district_dept": 0.5}[agency.kind]
    rules_new = _poisson(rng, 4 if big else 0)
    norm_new = _poisson(rng, size * 4)
    if fmt == "2019":
        v["active.rules.made"] = rules_new
        v["active.rules.published"] = rules_new if rng.random() < 0.85 else max(0, rules_new - 1)
        v["active.rules.total"] = v["active.rules.published"] + (_poisson(rng, 60) if big else 0)
        v["active.normative.made"] = norm_new
        v["active.normative.published"] = norm_new if rng.random() < 0.8 else _binomial(rng, norm_new, 0.8)
        v["active.normative.total"] = v["active.normative.published"] + _poisson(rng, size * 25)
        for row, lam in (("licensing", 40), ("other_services", 25), ("penalty", 60), ("coercion", 8)):
            prev = _poisson(rng, lam * size) if rng.random() < 0.85 else 0
            v[f"active.{row}.previous"] = prev
            v[f"active.{row}.change"] = 0 if rng.random() < 0.6 else rng.randint(-min(prev, 12), 15)
            v[f"active.{row}.decisions"] = _poisson(rng, lam * size * rng.choice([0.5, 3, 20, 200]))
        if not gov and rng.random() < 0.4:
            v["active.other_services.previous"] = v["active.other_services.change"] = 0
        prev = _poisson(rng, 6 * size) if rng.random() < 0.5 else 0
        v["active.fees.previous"] = prev
        v["active.fees.change"] = 0 if rng.random() < 0.8 else rng.randint(-min(prev, 3), 2)
        items = _poisson(rng, 5 * size) if rng.random() < 0.7 else 0
        v["active.procurement.items"] = items
        if items:
            yuan = Decimal(rng.randint(items * 20_000, items * 2_000_000))
            if rng.random() < 0.5:
                yuan += Decimal(rng.randint(0, 99)) / 100
            v["active.procurement.amount"] = yuan  # in 元; printed in 元 or 万元
        else:
            v["active.procurement.amount"] = Decimal(0)
    else:
        v["active.rules.issued"] = rules_new
        v["active.rules.repealed"] = _poisson(rng, 2 if big else 0)
        v["active.rules.in_force"] = (_poisson(rng, 60) + rules_new) if big else 0
        v["active.normative.issued"] = norm_new
        v["active.normative.repealed"] = _poisson(rng, size * 2)
        v["active.normative.in_force"] = norm_new + _poisson(rng, size * 20)
        for row, lam in (("licensing", 40), ("penalty", 60), ("coercion", 8)):
            v[f"active.{row}.decisions"] = _poisson(rng, lam * size * rng.choice([0.2, 1, 5, 50, 500]))
        if rng.random() < 0.5:
            v["active.fees.amount"] = Decimal(0)
        else:
            places = rng.choice([0, 1, 2, 2, 4, 6])
            amount = Decimal(size * 60 * rng.lognormvariate(0, 1.8)).quantize(Decimal(10) ** -places)
            v["active.fees.amount"] = amount if amount > 0 else Decimal(10) ** -places
    return v


INCONSISTENCIES = ["row-total", "column-total", "review-total", "balance", "published-total"]


def _inconsistent(rng: random.Random, v: dict[str, object], fmt: str, rows: list[str]) -> str | None:
    kind = rng.choice(INCONSISTENCIES)
    delta = rng.choice([-2, -1, 1, 1, 2, 3, 10])
    if kind == "row-total":
        row = rng.choice(["new", *rows[:3], "total"])
        cid = f"requests.{row}.total"
    elif kind == "column-total":
        cid = f"requests.total.{rng.choice(APPLICANTS[:2])}"
    elif kind == "review-total":
        row = rng.choice(REVIEW_ROWS)
        cid = f"{row}.total"
        if v[cid] and rng.random() < 0.5:
            delta = -v[cid]  # components filled, total printed 0 (as 洪泽区 2023 did)
    elif kind == "balance":
        cid = "requests.carried_out.total"
    else:
        cid = "active.rules.total" if fmt == "2019" else "active.normative.in_force"
    new = v[cid] + delta
    if new < 0:
        new = v[cid] + abs(delta)
    v[cid] = new
    return f"published inconsistency ({kind}): {cid} printed {new}, the other cells imply otherwise"


def _money_2019(rng: random.Random, yuan: Decimal) -> tuple[str, Decimal]:
    """The printed procurement amount and its value in 万元."""
    if yuan == 0:
        return rng.choice(["0元", "0万元", "0"]), Decimal(0)
    style = rng.choice(["yuan", "yuan", "wanyuan", "wan"])
    if style == "yuan":
        text = f"{yuan}元" if yuan != yuan.to_integral_value() else f"{int(yuan)}元"
        return text, yuan / 10000
    wan = (yuan / 10000).quantize(Decimal("0.01"))
    text = f"{wan}万元" if style == "wanyuan" else f"{wan.normalize():f}万"
    return text, wan


def _num(value: Decimal | int) -> int | float:
    if isinstance(value, int):
        return value
    d = value.normalize()
    return int(d) if d == d.to_integral_value() else float(d)


def make_report(rng: random.Random, agency: Agency, year: int, inconsistent: float, blanks: float) -> Report:
    fmt = "2019" if year <= 2020 else "2021"
    single_other = fmt == "2021" and agency.single_other
    name = rng.choice(agency.names) if agency.alternate else agency.names[agency.index % len(agency.names)]
    v: dict[str, object] = {}
    v.update(_section2(rng, agency, fmt))
    s3 = _section3(rng, agency, year, fmt, single_other)
    agency.carried_out = {c: s3[f"requests.carried_out.{c}"] for c in APPLICANTS}
    v.update(s3)
    v.update(_section4(rng, s3["requests.total.total"]))
    notes: list[str] = []
    rows = outcome_rows(fmt, single_other)
    if rng.random() < inconsistent:
        notes.append(_inconsistent(rng, v, fmt, rows))
    # how the report prints its cells
    style = _style(rng, fmt)
    printed: dict[str, str] = {}
    truth: dict[str, int | float | None] = {}
    zero_blank = rng.random() < blanks * 0.4  # zeros printed blank in tables 三 and 四 (上海市政府办公厅 2019)
    marks = rng.random() < blanks
    for cid, value in v.items():
        if cid == "active.procurement.amount":
            text, wan = _money_2019(rng, value)
            printed[cid], truth[cid] = text, _num(wan)
        elif cid == "active.fees.amount":
            text = f"{value}" if value else rng.choice(["0", "0", "0.00"])
            printed[cid], truth[cid] = text, _num(value)
        else:
            printed[cid], truth[cid] = str(value), value
            if isinstance(value, int) and value >= 10000 and cid.startswith("active.") and style["grouping"]:
                printed[cid] = f"{value:,}"
            if cid.endswith(".change") and isinstance(value, int) and value > 0 and style["plus"]:
                printed[cid] = f"+{value}"
        if value == 0 and zero_blank and not cid.startswith("active."):
            printed[cid], truth[cid] = "", None
        elif value == 0 and style["zero_word"] and cid.startswith(("active.", "review", "litigation")) \
                and rng.random() < 0.5 and cid not in ("active.procurement.amount", "active.fees.amount"):
            printed[cid] = "无"
    if zero_blank:
        notes.append("zeros of tables 三 and 四 printed blank (null)")
    if marks:
        pool = [c for c in v if c.startswith(("active.", "review", "litigation"))]
        pool += [c for c in v if c.startswith("requests.") and v[c] == 0]
        for cid in rng.sample(pool, rng.randint(1, 4)):
            printed[cid], truth[cid] = rng.choice(["/", "/", "—", "-", "——", ""]), None
        notes.append("some cells printed blank or '/', '-', '—' (null)")
    published = None
    if rng.random() < 0.7:
        d = date(year + 1, 1, 10) + timedelta(days=rng.randint(0, 70))
        published = d.isoformat()
    r = Report(agency, name, year, fmt, single_other, v, printed, truth, published, notes, style)
    r.narrative = _narrative(rng, r)
    _check(r)
    return r


def _check(r: Report) -> None:
    """Truth holds exactly the cells of the report's format, as the code lists define them."""
    try:
        from publisher.codes import codes
    except ImportError:  # run outside the project's venv: nothing to check against
        return
    want = {s.id for s in codes().cells.values() if r.fmt in s.formats}
    if r.single_other:
        want = {c for c in want if not c.startswith("requests.other.")}
        want |= {s.id for s in codes().cells.values() if s.row == "requests.other"}
    if set(r.truth) != want:
        raise AssertionError(f"synth: cells {sorted(set(r.truth) ^ want)[:5]} do not match the code lists")


def _style(rng: random.Random, fmt: str) -> dict:
    """Wording choices of one report, the same in all its files."""
    num = rng.choice(["{n}.", "{n}.", "{n}、", "{n}．"])
    return {
        "title": rng.choice(["{agency}{year}年政府信息公开工作年度报告", "{agency}{year}年度政府信息公开工作年度报告",
                             "{year}年{agency}政府信息公开工作年度报告", "{agency}\n{year}年政府信息公开工作年度报告"]),
        "number": num,
        "partial": rng.choice([PARTIAL_LONG, PARTIAL_LONG, PARTIAL_SHORT]),
        "new_suffix": rng.choice(["数量", "数量", "数量", ""]),
        "headings": {k: rng.choice(v) for k, v in HEADINGS.items()},
        "normative": "规范性文件" if fmt == "2019" else "行政规范性文件",
        "decisions": "处理决定数量" if fmt == "2019" else "本年处理决定数量",
        "topleft": rng.choice([TOPLEFT, TOPLEFT, ""]),
        "grouping": rng.random() < 0.1,
        "half_width": rng.random() < 0.1,  # (一)予以公开
        "total_head": "合计" if rng.random() < 0.1 else "总计",
        "plus": rng.random() < 0.2,  # +3 in 本年增/减
        "typo": rng.random() < 0.05,  # '2.其他法律行政止公开', as 洪泽区 2023/2024 print it
        "zero_word": rng.random() < 0.08,
        "date_at_end": rng.random() < 0.6,
    }


def _narrative(rng: random.Random, r: Report) -> dict[str, list[str]]:
    y, me = r.year, r.agency.short
    new = r.values["requests.new.total"]
    done = r.values["requests.total.total"]
    n = rng.randint(80, 20000)
    basis = "国办公开办函〔2019〕60号" if r.fmt == "2019" else "国办公开办函〔2021〕30号"
    return {
        "preamble": [f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅"
                     f"政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{basis}）要求编制。本报告中所列数据的"
                     f"统计期限自{y}年1月1日起至{y}年12月31日止。如对本报告有任何疑问，请与{r.name}办公室联系。"],
        "1": [f"{y}年，{me}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》，持续推进政务公开标准化"
              f"规范化建设，不断提升政府工作透明度。",
              f"（一）主动公开。全年主动公开政府信息{n}条，及时发布政策文件、财政预决算、重点领域信息。",
              f"（二）依申请公开。全年新收政府信息公开申请{new}件，办结{done}件，均在法定期限内答复。",
              "（三）政府信息管理。严格落实政府信息公开保密审查制度，动态更新政府信息公开指南。",
              "（四）平台建设。持续优化政府网站政府信息公开专栏，加强政务新媒体管理。",
              "（五）监督保障。将政务公开工作纳入年度绩效考核，组织开展业务培训。"],
        "5": ["存在的主要问题：一是政策解读形式还不够丰富；二是依申请公开答复质量有待进一步提升。",
              f"改进措施：{y + 1}年，{me}将进一步加强业务培训，规范依申请公开办理流程，提升公开实效。"],
        "6": [rng.choice([f"{y}年，{me}未收取信息处理费。", "无其他需要报告的事项。",
                          f"{y}年，{me}依据《政府信息公开信息处理费管理办法》收取信息处理费"
                          f"{rng.randint(0, 900)}元。"])],
    }


# -- the tables as grids of cells -------------------------------------------------------------


@dataclass
class C:
    text: str
    rs: int = 1
    cs: int = 1
    cid: str | None = None  # a value cell
    head: bool = False  # a column header


def _lbl(r: Report, row: str, n: int | None = None) -> str:
    text = ROW_LABEL[row]
    if row == "denied.prohibited_by_law" and r.style["typo"]:
        text = "其他法律行政止公开"
    if n is not None:
        text = r.style["number"].format(n=n) + text
    return _paren(r, text)


def _paren(r: Report, text: str) -> str:
    return text.replace("（", "(").replace("）", ")") if r.style["half_width"] else text


def table2(r: Report, variant: str = "plain") -> list[list[C]]:
    """Table 二 on a grid of 4 columns (the 'portal' variant uses 5 and misaligns colspans)."""
    rows: list[list[C]] = []
    width = 5 if variant == "portal" else 4
    for row, cols in SECTION2[r.fmt]:
        if row in S2_GROUP:
            rows.append([C(S2_GROUP[row], cs=width)])
            heads = [S2_HEAD[c] if c != "decisions" else r.style["decisions"] for c in cols]
            if r.fmt == "2021" and row == "fees":
                heads = [FEES_HEAD_2021]
            rows.append([C("信息内容", head=True), *_spread([C(h, head=True) for h in heads], width - 1, False)])
        label = r.style["normative"] if row == "normative" else S2_ROW[row]
        cells = [C(r.printed[f"active.{row}.{c}"], cid=f"active.{row}.{c}") for c in cols]
        rows.append([C(label), *_spread(cells, width - 1, variant == "portal" and row not in ("rules", "normative"))])
    return rows


def _spread(cells: list[C], width: int, skew: bool) -> list[C]:
    """Cells over `width` grid columns: extra columns go to the last cell (or the first, skewed)."""
    extra = width - len(cells)
    if extra > 0:
        target = cells[0] if skew else cells[-1]
        if len(cells) == 3 and not skew:
            target = cells[1]
        target.cs += extra
    return cells


def table3(r: Report, variant: str = "plain") -> list[list[C]]:
    """Table 三: 3 label columns and 7 value columns ('word' skews the header: 11 columns)."""
    word = variant == "word"
    nat_cs = 2 if word else 1
    rows: list[list[C]] = [
        [C(r.style["topleft"], rs=3, cs=3), C("申请人情况", cs=8 if word else 7, head=True)],
        [C("自然人", rs=1 if word else 2, cs=nat_cs, head=True), C("法人或其他组织", cs=5, head=True),
         C(r.style["total_head"], rs=2, head=True)],
        ([C("", head=True)] if word else [])
        + [C(APPLICANT_LABEL[c], head=True, cs=2 if word and c == "business" else 1) for c in APPLICANTS[1:]],
    ]

    def values(row: str) -> list[C]:
        return [C(r.printed[f"requests.{row}.{c}"], cid=f"requests.{row}.{c}", cs=2 if word and c == "business" else 1)
                for c in COLS3]

    sfx = r.style["new_suffix"]
    rows.append([C("一、本年新收政府信息公开申请" + sfx, cs=3), *values("new")])
    rows.append([C("二、上年结转政府信息公开申请" + sfx, cs=3), *values("carried_in")])
    outcome = outcome_rows(r.fmt, r.single_other)
    split = variant == "cms"  # a second 三、本年度办理结果 label cell from （四）无法提供 on (平潭 2019)
    n_first = 10 if split else len(outcome) + 1
    body: list[list[C]] = []
    i = 0
    while i < len(outcome):
        row = outcome[i]
        group = row.split(".")[0]
        if "." in row:
            subs = [o for o in outcome if o.startswith(group + ".")]
            for k, sub in enumerate(subs, start=1):
                line = []
                if k == 1:
                    line.append(C(_paren(r, ROW_LABEL[group]), rs=len(subs)))
                line += [C(_lbl(r, sub, k)), *values(sub)]
                body.append(line)
            i += len(subs)
        else:
            label = r.style["partial"] if row == "partial" else ROW_LABEL[row]
            body.append([C(_paren(r, label), cs=2), *values(row)])
            i += 1
    body.append([C(_paren(r, ROW_LABEL["total"]), cs=2), *values("total")])
    body[0].insert(0, C("三、本年度办理结果", rs=n_first))
    if split:
        body[n_first].insert(0, C("三、本年度办理结果", rs=len(body) - n_first))
    rows += body
    rows.append([C("四、结转下年度继续办理", cs=3), *values("carried_out")])
    return rows


def table4(r: Report) -> list[list[C]]:
    heads = [REVIEW_HEAD[c] for c in REVIEW_COLS]
    return [
        [C("行政复议", cs=5, head=True), C("行政诉讼", cs=10, head=True)],
        [*(C(h, rs=2, head=True) for h in heads), C("未经复议直接起诉", cs=5, head=True),
         C("复议后起诉", cs=5, head=True)],
        [C(h, head=True) for h in heads * 2],
        [C(r.printed[f"{row}.{c}"], cid=f"{row}.{c}") for row in REVIEW_ROWS for c in REVIEW_COLS],
    ]


def placed(rows: list[list[C]]) -> list[list[tuple[int, C, bool]]]:
    """Each row's cells as (grid column, cell, continued): continued marks a cell merged down from above."""
    covered: set[tuple[int, int]] = set()
    below: dict[int, list[tuple[int, C]]] = {}
    out = []
    for ri, row in enumerate(rows):
        col = 0
        line: list[tuple[int, C, bool]] = [(c, cell, True) for c, cell in below.pop(ri, [])]
        for cell in row:
            while (ri, col) in covered:
                col += 1
            line.append((col, cell, False))
            for dr in range(cell.rs):
                for dc in range(cell.cs):
                    covered.add((ri + dr, col + dc))
                if dr:
                    below.setdefault(ri + dr, []).append((col, cell))
            col += cell.cs
        out.append(sorted(line, key=lambda t: t[0]))
    return out


# -- plain text -------------------------------------------------------------------------------


def render_text(r: Report, rng: random.Random) -> tuple[bytes, dict]:
    """Tab-per-cell text: each cell on its own tab-indented line, rows ended by a blank line."""
    lines: list[str] = list(r.title.split("\n"))
    meta: dict = {"layout": "text", "published": False}
    lines += r.narrative["preamble"]
    lines.append(r.style["headings"][1])
    lines += r.narrative["1"]
    tables = {2: table2(r), 3: table3(r), 4: table4(r)}
    lost = None
    if rng.random() < 0.05:  # the copy lost the last cell of a row of table 二 (洛碛镇 2020)
        row2 = rng.choice([row for row in tables[2] if row[-1].cid])
        lost = row2[-1].cid
        meta["lost"] = lost
    for s in (2, 3, 4):
        lines.append(r.style["headings"][s])
        for row in placed(tables[s]):
            for _, cell, continued in row:
                if lost is not None and cell.cid == lost and not continued:
                    continue
                text = "" if continued else cell.text.replace("\n", "")
                if not continued and cell.text == "行政诉讼" and rng.random() < 0.5:
                    text = "\u2002" * 4 + text
                lines.append(("\t" if rng.random() > 0.01 else " \t") + text)
            lines.append("")
        lines.append("")
    for s in (5, 6):
        lines.append(r.style["headings"][s])
        lines += r.narrative[str(s)]
    if r.published and r.style["date_at_end"]:
        d = date.fromisoformat(r.published)
        lines += [r.name, f"{d.year}年{d.month}月{d.day}日"]
        meta["published"] = True
    return ("\n".join(lines) + "\n").encode("utf-8"), meta


# -- HTML -------------------------------------------------------------------------------------

NBSP_RUN = " &nbsp; &nbsp; &nbsp; &nbsp; &nbsp; &nbsp; &nbsp; &nbsp;"


def _esc(text: str) -> str:
    return htmlmod.escape(text, quote=False)


def _split(text: str, rng: random.Random, parts: int) -> list[str]:
    """A label cut into `parts` pieces at random places (never inside a number)."""
    if len(text) < 4 or parts < 2:
        return [text]
    cuts = sorted(rng.sample(range(2, len(text) - 1), min(parts - 1, len(text) - 3)))
    out, last = [], 0
    for c in cuts:
        if text[c - 1].isdigit() and text[c].isdigit():
            continue
        out.append(text[last:c])
        last = c
    return out + [text[last:]]


class HtmlStyle:
    name = "plain"

    def __init__(self, rng: random.Random):
        self.rng = rng

    def table_open(self) -> str:
        return "<table><tbody>"

    def td(self, cell: C, inner: str) -> str:
        attrs = (f' rowspan="{cell.rs}"' if cell.rs > 1 else "") + (f' colspan="{cell.cs}"' if cell.cs > 1 else "")
        return f"<td{attrs}>{inner}</td>"

    def label(self, cell: C) -> str:
        return f"<p>{_esc(cell.text)}</p>"

    def value(self, cell: C) -> str:
        return f"<p>{_esc(cell.text)}</p>" if cell.text else "<p>&nbsp;</p>"

    def para(self, text: str, heading: bool = False) -> str:
        return f"<p>{_esc(text)}</p>"


class Portal(HtmlStyle):
    """上海市政府办公厅 2019: bordered tables, nowrap widths, <p align=center>, blanks as &nbsp;."""

    name = "portal"

    def table_open(self) -> str:
        return '<table align="center" border="1" cellspacing="1"><tbody>'

    def td(self, cell: C, inner: str) -> str:
        attrs = (f' rowspan="{cell.rs}"' if cell.rs > 1 else "") + (f' colspan="{cell.cs}"' if cell.cs > 1 else "")
        return f'<td{attrs} nowrap="nowrap" style="width:{40 * cell.cs + self.rng.randint(0, 30)}px;">{inner}</td>'

    def label(self, cell: C) -> str:
        text = _esc(cell.text)
        if cell.head and len(cell.text) >= 6 and self.rng.random() < 0.5:
            text = _esc(cell.text[:3]) + "<br />" + _esc(cell.text[3:])
        return f'<p align="center">{text}</p>' if cell.head else f"<p>{text}</p>"

    def value(self, cell: C) -> str:
        if not cell.text:
            return "&nbsp;" if self.rng.random() < 0.3 else '<p align="center">&nbsp;</p>'
        return f'<p align="center">{_esc(cell.text)}</p>'


class Cms(HtmlStyle):
    """平潭 2019: <p><span>…</span></p>, &nbsp; padding, some bare values, split spans."""

    name = "cms"

    def label(self, cell: C) -> str:
        if cell.head and cell.text.startswith("本年新"):
            return f"<p><span>本年新</span><span><br/></span><span>{_esc(cell.text[3:])}</span></p>"
        if len(cell.text) > 12 and self.rng.random() < 0.3:
            a, b = cell.text[:6], cell.text[6:]
            return f"<p><span>{_esc(a)}</span><span>{_esc(b)}</span></p>"
        return f"<p><span>{_esc(cell.text)}</span></p>"

    def value(self, cell: C) -> str:
        t = _esc(cell.text)
        x = self.rng.random()
        if not t:
            return "<p><span>&nbsp;</span></p>"
        if x < 0.08:
            return t
        if x < 0.2:
            return f"<p><span>{t}</span><span>{'&nbsp;' * self.rng.randint(1, 7)}</span></p>"
        if x < 0.35:
            return f"<p><span>&nbsp;</span><span>{t}</span></p>"
        return f"<p><span>{t}</span></p>"

    def para(self, text: str, heading: bool = False) -> str:
        return f"<p><span><span>{_esc(text)}</span></span></p>"


class Word(HtmlStyle):
    """平潭 2021: Word's HTML export: <span>…</span><span><o:p></o:p></span>, <font>&nbsp;</font>."""

    name = "word"
    OP = "<span><o:p></o:p></span>"

    def label(self, cell: C) -> str:
        if cell.head and cell.text in REVIEW_HEAD.values() and self.rng.random() < 0.7:
            chars = list(cell.text)
            if len(chars) == 4:
                return (f"<p><span>{chars[0]}</span>{self.OP}</p><p><span>{chars[1]}</span><span><br></span>"
                        f"<span>{chars[2]}</span>{self.OP}</p><p><span>{chars[3]}</span>{self.OP}</p>")
            return "".join(f"<p><span>{ch}</span>{self.OP}</p>" for ch in chars)
        if cell.head and cell.text in ("商业企业", "科研机构"):
            return f"<p><span>{cell.text[:2]}</span>{self.OP}</p><p><span>{cell.text[2:]}</span>{self.OP}</p>"
        if not cell.text:
            return f"<p><span><font>&nbsp;</font></span>{self.OP}</p>"
        lead = "<font>&nbsp;&nbsp;</font>" if self.rng.random() < 0.15 else ""
        inner = f"{lead}<font>{_esc(cell.text)}</font>" if lead else _esc(cell.text)
        return f"<p><span>{inner}</span>{self.OP}</p>"

    def value(self, cell: C) -> str:
        t = _esc(cell.text)
        if not t:
            return f"<p><span><font>&nbsp;</font></span>{self.OP}</p>"
        if self.rng.random() < 0.15:
            return f"<p><span><font>&nbsp;</font><font>{t}</font></span>{self.OP}</p>"
        return f"<p><span>{t}</span>{self.OP}</p>"

    def para(self, text: str, heading: bool = False) -> str:
        return f"<p><span><font>{_esc(text)}</font></span>{self.OP}</p>"


class Clean(HtmlStyle):
    """平潭 2023/2025: plain <p> cells, labels split over <p> padded with &nbsp; runs, <br> in headers."""

    name = "clean"

    def __init__(self, rng: random.Random):
        super().__init__(rng)
        self.th = rng.random() < 0.3

    def td(self, cell: C, inner: str) -> str:
        out = super().td(cell, inner)
        return f"<th{out[3:-5]}</th>" if self.th and cell.head else out

    def label(self, cell: C) -> str:
        if cell.head and cell.text in REVIEW_HEAD.values() and cell.text != "总计":
            return f"<p>{cell.text[:2]}<br/>{cell.text[2:]}</p>"
        if cell.head and cell.text in ("商业企业", "科研机构", "社会公益组织", "法律服务机构"):
            parts = [cell.text[i:i + 2] for i in range(0, len(cell.text), 2)]
            return "".join(f"<p>{p}{NBSP_RUN if k and self.rng.random() < 0.5 else ''}</p>"
                           for k, p in enumerate(parts))
        if not cell.head and len(cell.text) >= 8 and self.rng.random() < 0.35:
            parts = _split(cell.text, self.rng, self.rng.randint(2, 3))
            return "".join(f"<p>{_esc(p)}{NBSP_RUN if k else ''}</p>" for k, p in enumerate(parts))
        return f"<p>{_esc(cell.text)}</p>"

    def para(self, text: str, heading: bool = False) -> str:
        return f"<p><strong>{_esc(text)}</strong></p>" if heading else f"<p>{_esc(text)}</p>"


HTML_STYLES = [Portal, Cms, Word, Clean]


def render_html(r: Report, rng: random.Random) -> tuple[bytes, dict]:
    st = rng.choice(HTML_STYLES)(rng)
    title = r.title.replace("\n", "")
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           f"<title>{_esc(title)}{rng.choice(['', '_政府信息公开年报'])}</title></head><body>"]
    when = ""
    if r.published and rng.random() < 0.8:
        when = f"{r.published} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    if st.name == "portal":
        out.append(f"<p style='text-align: center;font-weight: bold;'>{_esc(title)}</p>")
        if r.published:
            out.append(f"<p style='text-align: center'>发布日期：{r.published}</p>")
    else:
        out.append(f"<div><div>{_esc(title)}</div></div>")
        stamp = f"<span>时间：{when}</span>" if when else ""
        out.append(f"<div><span>来源：{_esc(r.name)}</span>\n{stamp}</div>")
    layout = st.name == "portal" and rng.random() < 0.5  # the page body sits in a layout table
    out.append('<table width="100%" border="0"><tr><td class="content">' if layout else "<div>")
    out += [st.para(p) for p in r.narrative["preamble"]]
    out.append(st.para(r.style["headings"][1], True))
    out += [st.para(p) for p in r.narrative["1"]]
    grids = {2: table2(r, "portal" if st.name == "portal" else "plain"),
             3: table3(r, st.name if st.name in ("cms", "word") else "plain"), 4: table4(r)}
    for s in (2, 3, 4):
        out.append(st.para(r.style["headings"][s], True))
        out.append(st.table_open())
        for row in grids[s]:
            tds = "".join(st.td(c, st.value(c) if c.cid else st.label(c)) for c in row)
            out.append(f"<tr>{tds}</tr>")
        out.append("</tbody></table>")
    for s in (5, 6):
        out.append(st.para(r.style["headings"][s], True))
        out += [st.para(p) for p in r.narrative[str(s)]]
    printed = bool(r.published and (st.name == "portal" or when))
    if r.published and r.style["date_at_end"] and not printed:
        d = date.fromisoformat(r.published)
        out += [st.para(r.name), st.para(f"{d.year}年{d.month}月{d.day}日")]
        printed = True
    out.append("</td></tr></table>" if layout else "</div>")
    out.append("</body></html>")
    return "\n".join(out).encode("utf-8"), {"layout": f"html-{st.name}", "published": printed}


# -- DOCX -------------------------------------------------------------------------------------


def _fixed_zip(data: bytes, when: datetime) -> bytes:
    """Re-zip a .docx with fixed timestamps, so that a seed always gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, src.read(info.filename))
    return buf.getvalue()


def _set_tc_text(tc, text: str, pad: bool = False) -> None:
    """Put text in a table cell (a <w:tc>), keeping the first run's formatting (and, with pad, the
    full-width spaces the template leaves in some cells, typed after as a user does)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if not text:
        return  # left as the template has it (some blank cells hold full-width spaces)
    paras = tc.findall(qn("w:p"))
    p = paras[0]
    for extra in paras[1:]:
        tc.remove(extra)
    runs = p.findall(qn("w:r"))
    rpr = runs[0].find(qn("w:rPr")) if runs else None
    if pad:
        old = "".join(t.text or "" for t in p.iter(qn("w:t")))
        text = (old if not old.strip() else "") + text
    for run in runs:
        p.remove(run)
    if not text:
        return
    r = OxmlElement("w:r")
    if rpr is not None:
        r.append(copy.deepcopy(rpr))
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    p.append(r)


def _set_para(par, text: str) -> None:
    runs = par.runs
    if runs:
        runs[0].text = text
        for run in runs[1:]:
            run._r.getparent().remove(run._r)
    else:
        par.add_run(text)


def _insert_after(par, text: str):
    new = copy.deepcopy(par._p)
    par._p.addnext(new)
    from docx.text.paragraph import Paragraph
    p = Paragraph(new, par._parent)
    _set_para(p, text)
    return p


def _tcs(tr):
    from docx.oxml.ns import qn
    return list(tr.iterchildren(qn("w:tc")))


def render_docx_2021(r: Report, rng: random.Random) -> bytes:
    """The official blank template, filled as an agency fills it (tests/fixtures/019_*.docx)."""
    import docx
    from docx.oxml.ns import qn

    d = docx.Document(str(TEMPLATE))
    paras = d.paragraphs
    title_lines = r.title.split("\n")
    title_par = next(p for p in paras if "年度报告格式模板" in p.text)
    _set_para(title_par, title_lines[-1])
    if len(title_lines) > 1:
        head = copy.deepcopy(title_par._p)
        title_par._p.addprevious(head)
        from docx.text.paragraph import Paragraph
        _set_para(Paragraph(head, title_par._parent), title_lines[0])
    if rng.random() < 0.6:
        d.core_properties.title = r.title.replace("\n", "")
    headings = {p.text.strip()[:2]: p for p in paras if p.text.strip()[:2] in ("四、", "五、")}
    _set_para(headings["四、"], r.style["headings"][4])
    _set_para(headings["五、"], r.style["headings"][5])
    placeholders = [p for p in paras if p.text.strip().startswith("（文字描述")]
    for par, key in zip(placeholders, ["1", "5", "6"], strict=True):
        texts = r.narrative[key]
        _set_para(par, texts[0])
        last = par
        for t in texts[1:]:
            last = _insert_after(last, t)
    first = next(p for p in d.paragraphs if p.text.strip() == "一、总体情况")
    pre = copy.deepcopy(placeholders[0]._p)
    first._p.addprevious(pre)
    from docx.text.paragraph import Paragraph
    _set_para(Paragraph(pre, first._parent), r.narrative["preamble"][0])
    t2, t3, t4 = d.tables
    # table 二: values in the template's rows
    trs = t2._tbl.tr_lst
    slots = {2: ["active.rules.issued", "active.rules.repealed", "active.rules.in_force"],
             3: ["active.normative.issued", "active.normative.repealed", "active.normative.in_force"],
             6: ["active.licensing.decisions"], 9: ["active.penalty.decisions"], 10: ["active.coercion.decisions"],
             13: ["active.fees.amount"]}
    pad = rng.random() < 0.3
    for i, cids in slots.items():
        for tc, cid in zip(_tcs(trs[i])[1:], cids, strict=True):
            _set_tc_text(tc, r.printed[cid], pad)
    # table 三: the last 7 <w:tc> of each row are the values
    trs = t3._tbl.tr_lst
    if r.single_other:
        total_label = _tcs(trs[26])[1]
        row = trs[23]
        tcs = _tcs(row)
        new = copy.deepcopy(total_label)
        tcs[1].addprevious(new)
        row.remove(tcs[1])
        row.remove(tcs[2])
        _set_tc_text(new, "（六）其他处理")
        t3._tbl.remove(trs[24])
        t3._tbl.remove(trs[25])
        trs = t3._tbl.tr_lst
    numbered = [r.style["number"].format(n=k) for k in range(1, 9)]
    row_ids = ["new", "carried_in", *outcome_rows(r.fmt, r.single_other), "total", "carried_out"]
    for tr, row in zip(trs[3:], row_ids, strict=True):
        tcs = _tcs(tr)
        for tc, col in zip(tcs[-7:], COLS3, strict=True):
            _set_tc_text(tc, r.printed[f"requests.{row}.{col}"])
        if "." in row and r.style["number"] != "{n}.":
            label_tc = tcs[-8]
            text = "".join(x.text or "" for x in label_tc.iter(qn("w:t")))
            if text[:2] in {f"{k}." for k in range(1, 9)}:
                _set_tc_text(label_tc, numbered[int(text[0]) - 1] + text[2:])
        if row == "denied.prohibited_by_law" and r.style["typo"]:
            _set_tc_text(tcs[-8], r.style["number"].format(n=2) + "其他法律行政止公开")
        if row == "partial" and r.style["partial"] == PARTIAL_SHORT:
            _set_tc_text(tcs[-8], PARTIAL_SHORT)
    cells4 = [f"{row}.{c}" for row in REVIEW_ROWS for c in REVIEW_COLS]
    for tc, cid in zip(_tcs(t4._tbl.tr_lst[3]), cells4, strict=True):
        _set_tc_text(tc, r.printed[cid])
    if r.published and r.style["date_at_end"]:
        dd = date.fromisoformat(r.published)
        last = d.paragraphs[-1]
        last = _insert_after(last, r.name)
        _insert_after(last, f"{dd.year}年{dd.month}月{dd.day}日")
    return _save(d, r)


def _save(d, r: Report) -> bytes:
    when = datetime(r.year + 1, 1, 15, 9, 0, 0)
    d.core_properties.created = when
    d.core_properties.modified = when
    d.core_properties.last_modified_by = "xxgk-synth"
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue(), when)


def render_docx_2019(r: Report, rng: random.Random) -> bytes:
    """The 2019 format in Word: python-docx tables with merged cells, as a Word user draws them."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    for line in r.title.split("\n"):
        p = d.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for t in r.narrative["preamble"]:
        d.add_paragraph(t)
    d.add_paragraph(r.style["headings"][1])
    for t in r.narrative["1"]:
        d.add_paragraph(t)
    widths = {2: [1.9] + [1.5] * 3, 3: [0.55, 0.9, 1.55] + [0.5] * 7, 4: [0.433] * 15}
    grids = {2: table2(r), 3: table3(r), 4: table4(r)}
    for s in (2, 3, 4):
        d.add_paragraph(r.style["headings"][s])
        table = d.add_table(rows=0, cols=len(widths[s]))
        table.style = "Table Grid"
        table.autofit = False
        for gc, w in zip(table._tbl.tblGrid.gridCol_lst, widths[s], strict=True):
            gc.w = Inches(w)
        size = 16 if s != 2 else 18  # half-points
        for line in placed(grids[s]):
            tr = OxmlElement("w:tr")
            for col, cell, continued in line:
                tr.append(_tc(cell, continued, Inches(sum(widths[s][col:col + cell.cs])).twips, size))
            table._tbl.append(tr)
        d.add_paragraph("")
    for s in (5, 6):
        d.add_paragraph(r.style["headings"][s])
        for t in r.narrative[str(s)]:
            d.add_paragraph(t)
    if r.published and r.style["date_at_end"]:
        dd = date.fromisoformat(r.published)
        d.add_paragraph(r.name).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        d.add_paragraph(f"{dd.year}年{dd.month}月{dd.day}日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if rng.random() < 0.6:
        d.core_properties.title = r.title.replace("\n", "")
    else:
        d.core_properties.title = ""
    return _save(d, r)


def _tc(cell: C, continued: bool, twips: int, size: int):
    """One <w:tc> as Word writes it: gridSpan for columns, vMerge restart/continue for rows."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def el(tag: str, parent, **attrs):
        e = OxmlElement(tag)
        for k, v in attrs.items():
            e.set(qn(f"w:{k}"), str(v))
        parent.append(e)
        return e

    tc = OxmlElement("w:tc")
    pr = el("w:tcPr", tc)
    el("w:tcW", pr, w=twips, type="dxa")
    if cell.cs > 1:
        el("w:gridSpan", pr, val=cell.cs)
    if cell.rs > 1:
        if continued:
            el("w:vMerge", pr)
        else:
            el("w:vMerge", pr, val="restart")
    el("w:vAlign", pr, val="center")
    p = el("w:p", tc)
    ppr = el("w:pPr", p)
    el("w:jc", ppr, val="center")
    if cell.text and not continued:
        r = el("w:r", p)
        rpr = el("w:rPr", r)
        el("w:sz", rpr, val=size)
        el("w:szCs", rpr, val=size)
        t = el("w:t", r)
        t.text = cell.text
    return tc


def render_docx(r: Report, rng: random.Random) -> tuple[bytes, dict]:
    data = render_docx_2021(r, rng) if r.fmt == "2021" else render_docx_2019(r, rng)
    layout = "docx-template-2021" if r.fmt == "2021" else "docx-tables-2019"
    return data, {"layout": layout, "published": bool(r.published and r.style["date_at_end"])}


# -- PDF through LibreOffice ------------------------------------------------------------------


def soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    return None


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xxgk-synth" / "pdf"


CHUNK = 100  # DOCX files per LibreOffice run


def _soffice_batch(exe: str, docs: dict[str, bytes], cache: Path) -> float:
    """One LibreOffice run exporting `docs` (digest -> DOCX bytes) into the cache; its seconds."""
    with tempfile.TemporaryDirectory(prefix="xxgk-synth-") as tmp:
        tmpd = Path(tmp)
        (tmpd / "in").mkdir()
        files = []
        for digest, data in docs.items():
            f = tmpd / "in" / f"{digest}.docx"
            f.write_bytes(data)
            files.append(str(f))
        t0 = time.perf_counter()
        cmd = [exe, "--headless", "--norestore", f"-env:UserInstallation=file://{tmpd}/profile",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(tmpd / "out"), *files]
        try:
            subprocess.run(cmd, capture_output=True, text=True, timeout=60 + 10 * len(files))
        except subprocess.TimeoutExpired:
            pass
        for digest in docs:
            pdf = tmpd / "out" / f"{digest}.pdf"
            if pdf.exists():
                shutil.copyfile(pdf, cache / f"{digest}.pdf")
        return time.perf_counter() - t0


def convert_pdfs(docs: dict[str, bytes], out: Path, cache: Path, log=print,
                 jobs: int = 1) -> tuple[int, int, float]:
    """Export each DOCX (stem -> bytes) to out/<stem>.pdf: LibreOffice batches, `jobs` at a time, for all not
    cached. The seconds returned are summed over the batches."""
    cache.mkdir(parents=True, exist_ok=True)
    todo: dict[str, str] = {}  # digest -> stem (first)
    digests = {stem: hashlib.sha256(data).hexdigest() for stem, data in docs.items()}
    for stem, digest in digests.items():
        if not (cache / f"{digest}.pdf").exists():
            todo.setdefault(digest, stem)
    seconds = 0.0
    if todo:
        exe = soffice()
        if exe is None:
            raise RuntimeError("LibreOffice (soffice) is not installed")
        pending = list(todo)
        for _attempt in range(2):  # a long batch can stop part-way: convert in chunks, then retry what is missing
            chunks = [{d: docs[todo[d]] for d in pending[i:i + CHUNK]} for i in range(0, len(pending), CHUNK)]
            with ThreadPoolExecutor(max(1, jobs)) as pool:  # one LibreOffice, with its own profile, per thread
                seconds += sum(pool.map(lambda chunk: _soffice_batch(exe, chunk, cache), chunks))
            pending = [d for d in pending if not (cache / f"{d}.pdf").exists()]
            if not pending:
                break
        for digest in pending:
            log(f"synth: LibreOffice made no PDF of {todo[digest]}")
    made = 0
    for stem, digest in digests.items():
        src = cache / f"{digest}.pdf"
        if src.exists():
            shutil.copyfile(src, out / f"{stem}.pdf")
            made += 1
    return made, len(todo), seconds


# -- the corpus -------------------------------------------------------------------------------


def parse_years(text: str) -> list[int]:
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            years.update(range(int(a), int(b) + 1))
        elif part:
            years.add(int(part))
    return sorted(years)


@dataclass
class Result:
    files: dict[str, int] = field(default_factory=dict)  # ext -> files written
    seconds: dict[str, float] = field(default_factory=dict)  # ext -> seconds rendering
    pdf_converted: int = 0
    pdf_seconds: float = 0.0
    reports: int = 0
    skipped: list[str] = field(default_factory=list)


def generate(out: str | Path, agencies: int = 10, years: list[int] | str = "2019-2025",
             formats: list[str] | str = FORMATS, seed: int = 0, inconsistent: float = 0.1,
             blanks: float = 0.15, single_other: float = 0.2, cache: str | Path | None = None,
             log=print, soffice_jobs: int = 1) -> Result:
    """Write the corpus into `out` (raw/ and truth/); return what was written and how long it took."""
    out = Path(out)
    if isinstance(years, str):
        years = parse_years(years)
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown formats {bad}; choose from {', '.join(FORMATS)}")
    res = Result()
    if "pdf" in formats and soffice() is None:
        msg = "synth: LibreOffice (soffice) is not installed; PDFs skipped (apt-get install libreoffice-writer)"
        log(msg)
        res.skipped.append(msg)
        formats = [f for f in formats if f != "pdf"]
    if any(f in formats for f in ("docx", "pdf")) and not TEMPLATE.exists() and any(y > 2020 for y in years):
        raise FileNotFoundError(f"{TEMPLATE}: the blank 2021 template is missing")
    (out / "raw").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = make_agencies(agencies, rng, single_other)
    pdf_docs: dict[str, bytes] = {}
    renderers = {"txt": render_text, "html": render_html, "docx": render_docx}
    for ext in formats:
        res.files[ext] = 0
        res.seconds[ext] = 0.0
    for agency in pool:
        for year in years:
            rep_rng = random.Random(f"{seed}/{agency.index}/{year}")
            r = make_report(rep_rng, agency, year, inconsistent, blanks)
            res.reports += 1
            for ext in formats:
                t0 = time.perf_counter()
                frng = random.Random(f"{seed}/{agency.index}/{year}/{ext}")
                stem = f"{agency.slug}-{year}-{ext}"
                if ext == "pdf":
                    data, meta = render_docx(r, frng)
                    meta["layout"] = meta["layout"].replace("docx", "pdf-from-docx")
                    pdf_docs[stem] = data
                else:
                    data, meta = renderers[ext](r, frng)
                    (out / "raw" / f"{stem}.{ext}").write_bytes(data)
                    res.files[ext] += 1
                _write_truth(out / "truth" / f"{stem}.json", r, ext, meta)
                res.seconds[ext] += time.perf_counter() - t0
    if pdf_docs:
        made, converted, secs = convert_pdfs(pdf_docs, out / "raw", Path(cache) if cache else default_cache(), log,
                                              soffice_jobs)
        res.files["pdf"] = made
        res.pdf_converted, res.pdf_seconds = converted, secs
        res.seconds["pdf"] += secs
        for stem in pdf_docs:
            if not (out / "raw" / f"{stem}.pdf").exists():
                (out / "truth" / f"{stem}.json").unlink(missing_ok=True)
    return res


def _write_truth(path: Path, r: Report, ext: str, meta: dict) -> None:
    cells = dict(r.truth)
    notes = [f"synthetic ({meta['layout']})", *r.notes]
    if meta.get("lost"):
        cells[meta["lost"]] = None
        notes.append(f"the {ext} copy lost the last cell of a row: {meta['lost']} (null)")
    if r.single_other:
        notes.append("2021 format with the single 2019-style （六）其他处理 row (requests.other.*)")
    body = {"agency": r.name, "year": r.year, "format": r.fmt,
            "published": r.published if meta.get("published") else None,
            "notes": "; ".join(notes), "cells": cells}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", metavar="OUT")
    ap.add_argument("--agencies", type=int, default=10)
    ap.add_argument("--years", default="2019-2025", help="e.g. 2019-2025 or 2020,2021,2024")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--inconsistent", type=float, default=0.1, help="share of reports with a wrong total")
    ap.add_argument("--blanks", type=float, default=0.15, help="share of reports with blank cells")
    ap.add_argument("--single-other", type=float, default=0.2,
                    help="share of agencies whose 2021-format reports keep one （六）其他处理 row")
    ap.add_argument("--cache", default=None, help=f"PDF cache (default {default_cache()})")
    ap.add_argument("--soffice-jobs", type=int, default=os.cpu_count() or 1,
                    help="LibreOffice processes converting at once (default: one per core)")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    res = generate(a.out, a.agencies, a.years, a.formats, a.seed, a.inconsistent, a.blanks, a.single_other, a.cache,
                   log=lambda m: print(m, file=sys.stderr), soffice_jobs=a.soffice_jobs)
    total = time.perf_counter() - t0
    print(f"synth: {res.reports} reports, {sum(res.files.values())} files in {a.out}/raw, {total:.1f} s")
    for ext, n in res.files.items():
        secs = res.seconds.get(ext, 0.0)
        rate = f"{n / secs:.1f} files/s" if secs > 0 else "-"
        more = ""
        if ext == "pdf":
            more = f" (LibreOffice converted {res.pdf_converted}, {res.pdf_seconds:.1f} s; the rest from the cache)"
        print(f"  {ext:4s} {n:5d} files {secs:7.2f} s  {rate}{more}")
    for msg in res.skipped:
        print(f"  {msg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
