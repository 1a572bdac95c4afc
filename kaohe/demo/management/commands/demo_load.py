"""``manage.py demo_load``: generate the demo county 示范区, or show its logins."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from kaohe.accounts.home_cache import home_forget_region
from kaohe.accounts.models import Role
from kaohe.core import clock, sql
from kaohe.core.errors import ApplicationError
from kaohe.demo.conduct import generate_demo_conduct
from kaohe.demo.org import (
    DEMO_PASSWORD,
    DEMO_REGION_NAME,
    DemoResult,
    PersonaLogin,
    demo_region,
    generate_demo,
    persona_logins,
)
from kaohe.demo.performance import generate_demo_performance
from kaohe.demo.performance_year import generate_demo_unit_years
from kaohe.demo.priors import generate_demo_priors
from kaohe.demo.reviews import generate_demo_rounds
from kaohe.demo.schemes import generate_demo_schemes
from kaohe.demo.scoring import generate_demo_scores
from kaohe.demo.supervision import generate_demo_ledger
from kaohe.demo.surveys import generate_demo_surveys
from kaohe.demo.teams import generate_demo_teams
from kaohe.demo.worklogs import generate_demo_logs
from kaohe.org.models import RankTier, Region, UnitType

ROLE_NAMES: dict[str, str] = {
    Role.REGION_ADMIN: "考核办管理员 region admin",
    Role.UNIT_ADMIN: "单位管理员 unit admin",
    Role.UNIT_HEAD: "单位主要领导 unit head",
    Role.TEAM_MEMBER: "班子成员 team member",
    Role.CADRE: "干部 cadre",
    Role.SUPERVISOR: "督导组 supervisor",
}
UNIT_TYPE_NAMES: dict[str, str] = {
    UnitType.TOWN: "镇街",
    UnitType.DISTRICT_UNIT: "区直",
    UnitType.SUBORDINATE: "下属",
}
TIER_NAMES: dict[str, str] = {
    RankTier.SECTION_CHIEF: "正科级",
    RankTier.DEPUTY_SECTION_CHIEF: "副科级",
    RankTier.STAFF: "一般干部",
}


def _pad(text: str, width: int) -> str:
    """Left-align `text` in `width` terminal columns; Chinese characters take two."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 1)


class Command(BaseCommand):
    help = "生成示范区演示数据（已存在则只显示登录账号）/ generate the demo county 示范区"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet", action="store_true", help="只显示账号和耗时 / print logins and time only"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        quiet: bool = options["quiet"]
        started = time.perf_counter()
        region = demo_region()
        if region is not None:
            self.stdout.write(
                f"{DEMO_REGION_NAME}已就绪（已存在，未重新生成）/ "
                "demo county ready (already there, nothing generated)"
            )
            logins = persona_logins(region)
        else:
            try:
                result = generate_demo()
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"{DEMO_REGION_NAME}已就绪 / demo county ready（{result.year} 年 / year）"
                )
            )
            if not quiet:
                self._write_counts(result)
            logins = list(result.personas)
        self._later_stages(region or demo_region(), quiet)
        elapsed = time.perf_counter() - started
        self._write_logins(logins)
        self.stdout.write(f"耗时 / time: {elapsed:.2f} s")

    def _later_stages(self, region: Region | None, quiet: bool) -> None:
        """Work records, schemes, rating rounds and results of the demo year, and the
        three years before it (imported as an office would), each written once: a stage
        that finds its data already there does nothing."""
        if region is None:
            return
        today = clock.today()
        year = today.year
        logs = generate_demo_logs(region_id=region.pk, year=year, today=today)
        schemes = generate_demo_schemes(region_id=region.pk, year=year)
        rounds = generate_demo_rounds(region_id=region.pk, year=year, today=today)
        # The ledger before the months: its overdue findings are deducted from them.
        ledger = generate_demo_ledger(region_id=region.pk, year=year, today=today)
        performance = generate_demo_performance(region_id=region.pk, year=year, today=today)
        # The units' year from the published months, before the cadres' scoring.
        unit_years = generate_demo_unit_years(region_id=region.pk, year=year)
        quarters = generate_demo_scores(region_id=region.pk, year=year, today=today)
        earlier = generate_demo_priors(region_id=region.pk, year=year, today=today)
        conduct = generate_demo_conduct(region_id=region.pk, year=year, today=today)
        # After performance's demo (the units' years): the teams read them.
        teams = generate_demo_teams(region_id=region.pk, year=year, today=today)
        # After the ledger (its groups receive the surveys' low items).
        surveys = generate_demo_surveys(region_id=region.pk, year=year, today=today)
        # The generators write logs, ballots and results in bulk, past the services.
        home_forget_region(region.pk)
        if logs.created and sql.is_postgres():
            # A bulk load leaves PostgreSQL's planner without statistics until autovacuum
            # comes round (minutes): the compliance page's grouped counts then took 0.9 s
            # instead of 30 ms on a fresh demo. SQLite keeps planning without them, as
            # the feeds' queries are written for (docs/decisions.md, feeds by keyset).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if not quiet and logs.created:
            self.stdout.write(
                f"  工作日志 work logs: {logs.logs}（补写 backfilled {logs.backfilled}，"
                f"缺写 missing {logs.missing}，季度小结 summaries {logs.quarterly_summaries}）"
            )
        if not quiet and schemes.unit_schemes:
            self.stdout.write(
                f"  考核方案 schemes: 模板 templates {schemes.templates}，"
                f"单位方案 unit schemes {schemes.unit_schemes}"
                f"（退回后批准 returned once {schemes.returned_once}）"
            )
        if not quiet and rounds.created:
            self.stdout.write(
                f"  考评 rating rounds: {rounds.rounds}（选票 ballots {rounds.ballots}，"
                f"匿名评分 scores {rounds.scores}）；已计算季度 quarters scored: {quarters}"
            )
        if not quiet and performance.months:
            self.stdout.write(
                f"  单位绩效 unit performance: 指标体系 systems {performance.systems}，"
                f"牵头指标 lead-unit indicators {performance.assignments}，"
                f"月度 months {performance.months}（结果 results {performance.results}）"
            )
        if not quiet and unit_years.year_end:
            self.stdout.write(
                f"  单位年度 units' year: 年终评价 year-end {unit_years.year_end}，"
                f"已计算 computed {unit_years.computed}，"
                f"督查激励与点名批评 marks {unit_years.marks}"
            )
        if not quiet and earlier.records:
            self.stdout.write(
                f"  往年结果 earlier years: {earlier.years[0]}–{earlier.years[-1]}，"
                f"{earlier.people} 人 × {len(earlier.years)} 年"
                f"（优秀 excellent {earlier.excellent}，"
                f"基本称职 basic {earlier.basic}，不称职 incompetent {earlier.incompetent}；"
                f"连续两年单位末位 last twice running {earlier.last_twice}）"
            )

        if not quiet and (conduct.discipline or conduct.absences):
            self.stdout.write(
                f"  处分与考勤 discipline and attendance: 处分 discipline {conduct.discipline}，"
                f"请假、旷工、迟到早退 absences {conduct.absences}"
            )
        if not quiet and ledger.findings:
            self.stdout.write(
                f"  督查台账 supervision ledger: 督导组 groups {ledger.groups}，"
                f"问题 findings {ledger.findings}（已销号 struck off {ledger.struck_off}，"
                f"逾期 overdue {ledger.overdue}）"
            )

        if not quiet and surveys.surveys:
            self.stdout.write(
                f"  民评调查 public surveys: {surveys.surveys}"
                f"（答卷 responses {surveys.responses}，"
                f"待核对纸质问卷 paper to check {surveys.pending_paper}，"
                f"待审核意见 comments to moderate {surveys.pending_comments}）"
            )

        if not quiet and teams.teams:
            state = "已公布 published" if teams.published else "未公布 not published"
            self.stdout.write(
                f"  领导班子 leadership teams: {teams.teams}"
                f"（有完整得分 complete {teams.complete}，{state}）"
            )

    def _write_counts(self, result: DemoResult) -> None:
        types = "，".join(
            f"{UNIT_TYPE_NAMES[t]} {result.units_by_type.get(t, 0)}" for t in UNIT_TYPE_NAMES
        )
        tiers = "，".join(f"{TIER_NAMES[t]} {result.tiers.get(t, 0)}" for t in TIER_NAMES)
        lines = (
            f"  单位 units: {result.units}（{types}）",
            f"  人员 people: {result.people}（{tiers}）",
            f"  任职记录 memberships: {result.memberships}"
            f"（驻村 village {result.village_secondments}，新录用 recruits {result.new_recruits}，"
            f"退休 retired {result.retirements}，调动 transfers {result.transfers}）",
            f"  联系点 pilot units: {result.pilot_units}，名额池 quota pools: {result.quota_pools}",
            f"  账号 users: {result.users}，授权 role grants: {result.role_grants}",
        )
        for line in lines:
            self.stdout.write(line)

    def _write_logins(self, logins: list[PersonaLogin]) -> None:
        self.stdout.write(f"演示账号 / demo logins（密码 password: {DEMO_PASSWORD}）")
        self.stdout.write(f"  {_pad('用户名 username', 18)}{_pad('角色 role', 30)}单位 unit")
        for login in logins:
            units = "、".join(login.units) or "全区 whole region"
            person = f"（{login.person_name}）" if login.person_name else ""
            role = ROLE_NAMES.get(login.role, login.role)
            self.stdout.write(f"  {_pad(login.username, 18)}{_pad(role, 30)}{units}{person}")
        self.stdout.write("  其他人员以人员编号登录，如 SF00001 / everyone else: staff number")
