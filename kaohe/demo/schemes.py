"""Indicator schemes for the demo county 示范区 (``manage.py demo_load``).

Two published templates and an approved scheme for every demo unit but one:

- Template A, the general system of a county's field report [000]: six systems
  德、能、勤、绩、廉、弹性 at the top, 19 first-level and 43 second-level
  indicators below them, in the common / individual / negative / flexible modules.
  德能勤绩廉 carry weights 15/15/15/40/15 and as many points; 弹性 is bonus on top
  (up to 5 points), outside the weighted part.
- Template B, the police paper [001]: a positive list with fixed points, floating
  bonus points, and a negative list, for 执法勤务类 (and the other police categories).

Unit schemes are drafted from the templates through the services, so each step is
audited and every version has its event trail; six of them are first returned with
comments and revised, to show the review loop (R4.6). 区人力资源和社会保障局, the
unit of the `unit_admin` persona, is left without a scheme so the browser demo can
build one from a template.

The template trees are written with one bulk insert per level rather than one
`indicator_add` per node: that would insert and audit 95 nodes one by one for content
that is data, not an administrator's edits.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.year_facts import year_facts_forget
from kaohe.demo.org import PERSONA_UNIT, POLICE_UNIT
from kaohe.org.models import Dimension, Membership, PersonnelCategory, Region, Unit
from kaohe.schemes import services
from kaohe.schemes.models import (
    AutoSource,
    EntryDeclaration,
    Indicator,
    IndicatorKind,
    Module,
    Scheme,
    SchemeVersion,
)
from kaohe.worklogs.rules import Period

REGION_ADMIN_LOGIN = "region_admin"
TEMPLATE_A_NAME = "平时考核通用指标体系（综合管理类）"
TEMPLATE_B_NAME = "公安机关民警平时考核指标（执法勤务类/警务技术类/综合管理类）"
CATEGORY_A = "综合管理类"
CATEGORY_B = "执法勤务类"

# The indicator the reviewer comments on when returning a scheme, and what the unit
# then writes into its description.
RETURN_INDICATOR = "完成年度目标任务"
RETURN_INDICATOR_COMMENT = "请结合本单位年度重点工作细化评分标准"
RESUBMIT_NOTE = "已按审核意见细化评分标准，请审核"

D = Decimal
GROUP = IndicatorKind.GROUP
SCORED = IndicatorKind.SCORED
DEDUCTION = IndicatorKind.DEDUCTION
BONUS = IndicatorKind.BONUS
VETO = IndicatorKind.VETO
PASS_FAIL = IndicatorKind.PASS_FAIL


@dataclass(frozen=True)
class Spec:
    """One node of a template tree as written here; `module` and `dimension` left
    empty are inherited from the parent, so each system states them once."""

    name: str
    description: str = ""
    kind: IndicatorKind = SCORED
    max_points: str = "0"
    per_occurrence: str = "0"
    cap: str = "0"
    weight: str | None = None
    module: Module | None = None
    dimension: Dimension | None = None
    quantitative: bool = False
    evidence_required: bool = False
    auto_source: AutoSource = AutoSource.NONE
    children: tuple[Spec, ...] = field(default_factory=tuple)


def group(name: str, points: str, *children: Spec) -> Spec:
    return Spec(name, kind=GROUP, max_points=points, children=children)


def scored(
    name: str,
    points: str,
    description: str,
    *,
    module: Module | None = None,
    dimension: Dimension | None = None,
    quantitative: bool = False,
    evidence_required: bool = False,
) -> Spec:
    return Spec(
        name,
        description,
        SCORED,
        max_points=points,
        module=module,
        dimension=dimension,
        quantitative=quantitative,
        evidence_required=evidence_required,
    )


def deduction(
    name: str,
    each: str,
    cap: str,
    description: str,
    *,
    dimension: Dimension | None = None,
    evidence_required: bool = False,
    auto_source: AutoSource = AutoSource.NONE,
) -> Spec:
    """A negative-list item: counted occurrences, so always quantitative."""
    return Spec(
        name,
        description,
        DEDUCTION,
        per_occurrence=each,
        cap=cap,
        module=Module.NEGATIVE,
        dimension=dimension,
        quantitative=True,
        evidence_required=evidence_required,
        auto_source=auto_source,
    )


def bonus(name: str, cap: str, description: str) -> Spec:
    """A floating-points item; a bonus is only granted on evidence."""
    return Spec(name, description, BONUS, cap=cap, evidence_required=True)


# ---------------------------------------------------------------------------
# Template A: 德、能、勤、绩、廉、弹性 [000]
# ---------------------------------------------------------------------------

COMMON, INDIVIDUAL, NEGATIVE, FLEXIBLE = (
    Module.COMMON,
    Module.INDIVIDUAL,
    Module.NEGATIVE,
    Module.FLEXIBLE,
)

TEMPLATE_A: tuple[Spec, ...] = (
    Spec(
        "德",
        "考核政治品质和道德品行，重点看政治忠诚、政治定力、政治担当和思想品德、职业道德。",
        GROUP,
        max_points="15",
        weight="15",
        module=COMMON,
        dimension=Dimension.MORALITY,
        children=(
            group(
                "政治素质",
                "6",
                scored(
                    "政治忠诚",
                    "2",
                    "坚定拥护“两个确立”、坚决做到“两个维护”，对党忠诚老实，"
                    "在思想上政治上行动上同党中央保持高度一致。",
                ),
                scored(
                    "政治定力",
                    "2",
                    "在大是大非面前立场坚定、旗帜鲜明，不信谣不传谣，自觉抵制各种错误思潮。",
                ),
                scored(
                    "政治担当",
                    "2",
                    "不折不扣贯彻落实上级决策部署，敢于直面问题、动真碰硬，关键时刻站得出来。",
                ),
            ),
            group(
                "思想品德",
                "5",
                scored(
                    "理想信念",
                    "3",
                    "积极参加“三会一课”、主题党日等组织生活，按时足额缴纳党费，理想信念坚定。",
                ),
                scored(
                    "社会公德与家庭美德",
                    "2",
                    "遵守社会公德，弘扬家庭美德，重视家风家教，无不良社会影响。",
                ),
            ),
            group(
                "职业道德",
                "4",
                scored("爱岗敬业", "2", "热爱本职工作，恪尽职守，甘于奉献，维护机关形象。"),
                scored(
                    "服务群众",
                    "2",
                    "践行全心全意为人民服务宗旨，对待群众热情耐心，"
                    "无“门难进、脸难看、事难办”现象。",
                ),
            ),
        ),
    ),
    Spec(
        "能",
        "考核履行职责的业务素质和能力，重点看学习能力、业务能力、创新能力和沟通协调能力。",
        GROUP,
        max_points="15",
        weight="15",
        module=COMMON,
        dimension=Dimension.ABILITY,
        children=(
            group(
                "学习能力",
                "4",
                scored(
                    "政治理论和业务知识学习",
                    "2",
                    "按要求参加集中学习和个人自学，学习笔记完整，学以致用。",
                ),
                scored(
                    "参加教育培训",
                    "2",
                    "按时参加上级和本单位组织的教育培训，完成规定学时；无故缺训一次扣1分。",
                    quantitative=True,
                ),
            ),
            group(
                "业务能力",
                "4",
                scored(
                    "岗位业务能力",
                    "2",
                    "熟悉本岗位政策法规和业务流程，能独立承担并高质量完成岗位工作。",
                ),
                scored(
                    "依法履职能力",
                    "2",
                    "运用法治思维和法治方式开展工作，无程序违法、超越职权等情形。",
                ),
            ),
            group(
                "创新能力",
                "3",
                scored(
                    "改革创新意识",
                    "2",
                    "主动研究新情况新问题，提出具有可操作性的工作思路和改进措施。",
                ),
                scored(
                    "运用新技术新方法",
                    "1",
                    "熟练运用信息化平台和数字化手段提升工作效率。",
                ),
            ),
            group(
                "沟通协调能力",
                "4",
                scored(
                    "文字表达",
                    "2",
                    "起草的公文、材料观点正确、结构严谨、文字规范，一次性通过率高。",
                ),
                scored(
                    "组织协调",
                    "2",
                    "能统筹协调各方力量推进工作，与上下级和相关部门沟通顺畅。",
                ),
            ),
        ),
    ),
    Spec(
        "勤",
        "考核责任心、工作态度和工作作风，重点看出勤、工作作风和工作纪实。",
        GROUP,
        max_points="15",
        weight="15",
        module=COMMON,
        dimension=Dimension.DILIGENCE,
        children=(
            group(
                "出勤",
                "5",
                scored(
                    "按时出勤",
                    "5",
                    "遵守作息时间和请销假制度，依据考勤记录计分。",
                    quantitative=True,
                ),
                deduction(
                    "迟到早退",
                    "0.5",
                    "3",
                    "以考勤记录为准，每次扣0.5分，本项最多扣3分。",
                ),
            ),
            group(
                "工作作风",
                "5",
                scored(
                    "工作积极主动",
                    "3",
                    "工作积极主动、雷厉风行，不推诿扯皮、不敷衍塞责。",
                ),
                scored(
                    "服从工作安排",
                    "2",
                    "服从组织安排，按要求完成值班值守、应急处置等任务。",
                ),
            ),
            group(
                "工作纪实",
                "5",
                scored(
                    "工作日志质量",
                    "3",
                    "工作日志如实、具体记录当日工作，内容翔实，不流于形式。",
                ),
                scored(
                    "季度小结质量",
                    "2",
                    "季度小结对照岗位职责和目标任务总结工作，查找不足，明确改进方向。",
                ),
                deduction(
                    "缺写工作日志",
                    "0.5",
                    "5",
                    "超过补写期限仍未填写的工作日志由系统自动统计，每缺1篇扣0.5分，最多扣5分。",
                    auto_source=AutoSource.MISSING_LOGS,
                ),
                deduction(
                    "缺季度小结",
                    "2",
                    "4",
                    "未按期提交季度小结（年度为年度总结）的由系统自动统计，每缺1篇扣2分。",
                    auto_source=AutoSource.MISSING_SUMMARIES,
                ),
            ),
        ),
    ),
    Spec(
        "绩",
        "考核完成工作的数量、质量、效率和效果，以岗位职责和年度目标任务为依据设置个性指标。",
        GROUP,
        max_points="40",
        weight="40",
        module=INDIVIDUAL,
        dimension=Dimension.PERFORMANCE,
        children=(
            group(
                "工作数量",
                "12",
                scored(
                    RETURN_INDICATOR,
                    "8",
                    "对照年度目标任务分解表和季度工作计划，按完成进度计分。",
                    quantitative=True,
                    evidence_required=True,
                ),
                scored(
                    "完成领导交办事项",
                    "4",
                    "按时保质完成领导交办的临时性、突击性任务。",
                ),
            ),
            group(
                "工作质量",
                "10",
                scored(
                    "工作标准与质量",
                    "10",
                    "工作成果符合政策规定和质量要求，经得起检验，未出现返工。",
                ),
                deduction(
                    "工作差错",
                    "1",
                    "4",
                    "因个人原因出现公文差错、数据错报、程序疏漏等，每次扣1分，最多扣4分。",
                ),
            ),
            group(
                "工作效率",
                "8",
                scored(
                    "按时限办结",
                    "4",
                    "承办事项在规定时限内办结，按办结率计分。",
                    quantitative=True,
                ),
                scored(
                    "首问负责和一次性告知",
                    "4",
                    "落实首问负责、一次性告知、限时办结制度，无群众反映推诿拖延。",
                    module=COMMON,
                ),
            ),
            group(
                "工作效果",
                "10",
                scored(
                    "重点工作",
                    "6",
                    "承担的本单位年度重点工作、重点项目推进有力、成效明显；需上传佐证材料。",
                    evidence_required=True,
                ),
                scored(
                    "服务对象满意度",
                    "4",
                    "依据服务对象评价和群众满意度测评结果计分。",
                    quantitative=True,
                    module=COMMON,
                ),
            ),
        ),
    ),
    Spec(
        "廉",
        "考核廉洁自律和遵规守纪情况，实行负面清单管理。",
        GROUP,
        max_points="15",
        weight="15",
        module=COMMON,
        dimension=Dimension.INTEGRITY,
        children=(
            group(
                "廉洁自律",
                "6",
                scored(
                    "遵守廉洁自律规定",
                    "6",
                    "严格遵守廉洁自律各项规定，不以权谋私，不收受礼品礼金和消费卡。",
                ),
                Spec(
                    "如实报告个人有关事项",
                    "按规定如实报告个人有关事项；漏报、瞒报的评为不合格。",
                    PASS_FAIL,
                ),
            ),
            group(
                "遵规守纪",
                "5",
                scored(
                    "遵守政治纪律和政治规矩",
                    "3",
                    "严守政治纪律和政治规矩，不搞团团伙伙，不妄议中央大政方针。",
                ),
                scored(
                    "遵守工作纪律",
                    "2",
                    "遵守保密、公文处理、公务接待等工作纪律。",
                ),
                Spec(
                    "违反中央八项规定精神",
                    "经查实违反中央八项规定精神的，实行一票否决，当期考核直接确定为较差等次。",
                    VETO,
                    module=NEGATIVE,
                    evidence_required=True,
                ),
                deduction(
                    "被通报批评",
                    "2",
                    "5",
                    "被区级以上党委、政府或纪检监察机关通报批评的，每次扣2分，最多扣5分。",
                    evidence_required=True,
                ),
            ),
            group(
                "作风建设",
                "4",
                scored("公道正派", "2", "办事公道、作风正派，不搞特权，不以人划线。"),
                scored(
                    "勤俭节约",
                    "2",
                    "厉行勤俭节约，反对铺张浪费，无违规公款消费。",
                ),
            ),
        ),
    ),
    Spec(
        "弹性",
        "亮点工作和创新创先作为弹性指标，在固定分值之外加分，最多加5分。",
        GROUP,
        max_points="5",
        module=FLEXIBLE,
        dimension=Dimension.FLEXIBLE,
        children=(
            group(
                "创新创优",
                "3",
                bonus(
                    "创新工作被上级推广",
                    "2",
                    "创新做法被市级以上推广或经验材料被上级转发的，每项加1分，最多加2分。",
                ),
                bonus(
                    "信息调研被上级采用",
                    "1",
                    "工作信息、调研报告被区级以上采用的，每篇加0.2分，最多加1分。",
                ),
            ),
            group(
                "表彰奖励",
                "2",
                bonus(
                    "获上级表彰奖励",
                    "2",
                    "个人获区级表彰加0.5分、市级加1分、省级以上加2分，最多加2分。",
                ),
                bonus(
                    "完成急难险重任务",
                    "2",
                    "在抢险救灾、信访维稳等急难险重任务中表现突出的，经单位认定最多加2分。",
                ),
            ),
        ),
    ),
)

# ---------------------------------------------------------------------------
# Template B: the police paper — positive list, floating points, negative list [001]
# ---------------------------------------------------------------------------

TEMPLATE_B: tuple[Spec, ...] = (
    Spec(
        "政治素质",
        "正面清单：对党忠诚、服务人民、执法公正、纪律严明。",
        GROUP,
        max_points="20",
        weight="20",
        module=COMMON,
        dimension=Dimension.MORALITY,
        children=(
            scored(
                "政治忠诚",
                "8",
                "坚持党对公安工作的绝对领导，坚决听党指挥，严守政治纪律和政治规矩。",
            ),
            scored(
                "理论学习和政治轮训",
                "6",
                "按时参加政治理论学习和政治轮训，学习记录完整。",
                dimension=Dimension.ABILITY,
            ),
            scored(
                "职业道德和警察荣誉",
                "6",
                "恪守人民警察职业道德，维护警察形象，无损害警察荣誉的言行。",
            ),
        ),
    ),
    Spec(
        "业务工作（固定分值）",
        "正面清单：按执法勤务类、警务技术类、综合管理类的岗位清单分别计分。",
        GROUP,
        max_points="50",
        weight="50",
        module=INDIVIDUAL,
        dimension=Dimension.PERFORMANCE,
        children=(
            scored(
                "岗位职责任务",
                "15",
                "执法勤务类按接处警、巡逻防控、案件办理，警务技术类按勘验、鉴定、信息化保障，"
                "综合管理类按文稿和后勤保障任务，对照岗位清单计分。",
                quantitative=True,
                evidence_required=True,
            ),
            scored(
                "执法办案质量",
                "15",
                "执法办案程序合法、证据确实充分、法律文书规范，案件考评无瑕疵。",
                evidence_required=True,
            ),
            scored(
                "执法规范化",
                "10",
                "规范使用执法记录仪，涉案财物和办案区管理符合规定。",
            ),
            scored(
                "警务技能和体能",
                "10",
                "参加警务实战技能训练和体能测试，按测试成绩计分。",
                quantitative=True,
                dimension=Dimension.ABILITY,
            ),
            Spec(
                "执法资格等级考试",
                "按规定取得相应执法资格；未取得的评为不合格。",
                PASS_FAIL,
                dimension=Dimension.ABILITY,
            ),
        ),
    ),
    Spec(
        "纪律作风",
        "正面清单：出勤备勤、队容风纪、廉洁从警和群众评价。",
        GROUP,
        max_points="30",
        weight="30",
        module=COMMON,
        dimension=Dimension.DILIGENCE,
        children=(
            scored(
                "出勤和值班备勤",
                "10",
                "遵守考勤和值班备勤制度，依据考勤和勤务记录计分。",
                quantitative=True,
            ),
            scored("队容风纪和内务", "5", "着装规范、警容严整，内务管理符合要求。"),
            scored(
                "廉洁从警",
                "10",
                "严守廉洁从警各项规定，不插手经济纠纷，不违规接受吃请。",
                dimension=Dimension.INTEGRITY,
            ),
            scored(
                "群众满意度",
                "5",
                "依据警情回访和群众满意度测评结果计分。",
                quantitative=True,
                dimension=Dimension.PERFORMANCE,
            ),
        ),
    ),
    Spec(
        "加分项目（浮动分值）",
        "固定分值之外的浮动分值，用于拉开差距，最多加10分。",
        GROUP,
        max_points="10",
        module=FLEXIBLE,
        dimension=Dimension.FLEXIBLE,
        children=(
            bonus("破获刑事案件", "4", "作为主办民警破获刑事案件的，每起加0.5分，最多加4分。"),
            bonus("抓获网上逃犯", "3", "每抓获1名网上逃犯加1分，最多加3分。"),
            bonus(
                "受到表彰奖励",
                "3",
                "个人受到嘉奖加1分、三等功加2分、二等功以上加3分。",
            ),
            bonus(
                "宣传报道被上级采用",
                "2",
                "先进事迹、工作经验被市级以上媒体或上级机关采用的，每篇加0.5分，最多加2分。",
            ),
        ),
    ),
    Spec(
        "负面清单",
        "反向指标：出现下列情形的扣分，本部分最多扣20分；严重违纪的一票否决。",
        GROUP,
        cap="20",
        module=NEGATIVE,
        dimension=Dimension.INTEGRITY,
        children=(
            deduction(
                "执法过错",
                "3",
                "9",
                "经执法质量考评或案件复核认定执法过错的，每起扣3分。",
                evidence_required=True,
            ),
            deduction(
                "被群众有效投诉",
                "2",
                "6",
                "经核查属实的群众投诉，每起扣2分。",
                evidence_required=True,
            ),
            deduction(
                "违反警容风纪",
                "0.5",
                "3",
                "督察发现违反警容风纪的，每次扣0.5分。",
                dimension=Dimension.DILIGENCE,
            ),
            deduction(
                "值班备勤脱岗",
                "2",
                "6",
                "值班备勤期间擅自脱岗的，每次扣2分。",
                dimension=Dimension.DILIGENCE,
            ),
            deduction(
                "缺写工作日志",
                "0.5",
                "5",
                "超过补写期限仍未填写的工作日志由系统自动统计，每缺1篇扣0.5分，最多扣5分。",
                auto_source=AutoSource.MISSING_LOGS,
                dimension=Dimension.DILIGENCE,
            ),
            Spec(
                "违反公安部“五条禁令”或酒驾醉驾",
                "查实违反公安部“五条禁令”或发生酒驾醉驾的，一票否决。",
                VETO,
                evidence_required=True,
            ),
        ),
    ),
)

# (unit, the reviewer's comment on the whole, the unit's revised description of
# RETURN_INDICATOR): the schemes returned once before approval.
RETURNED_UNITS: tuple[tuple[str, str, str], ...] = (
    (
        "城关镇",
        "乡镇干部驻村包片、项目建设等工作未在个性指标中体现，请补充完善后重新报送。",
        "对照镇党委年度目标任务分解表计分：乡村振兴、项目建设、安全生产等重点任务"
        "按季度进度全部完成的得8分，每滞后一项扣1分。",
    ),
    (
        "青石镇",
        "个性指标照搬通用模板，未结合镇情实际，请细化后重新报送。",
        "按镇党委确定的包村任务和产业发展项目计分：季度节点任务全部完成得8分，"
        "未完成的按比例扣分，被区级督查通报的本项不得分。",
    ),
    (
        "区委办公室",
        "文稿起草、督查督办等核心业务的评分标准不够量化，请修改完善。",
        "按承担的文稿起草、督查督办、信息报送任务计分：按时保质完成得8分，"
        "文稿被退回重写或督办事项逾期的每次扣1分。",
    ),
    (
        "区财政局",
        "预算执行、资金拨付等个性指标缺少可量化的标准，请补充完善。",
        "按预算编制、资金拨付和绩效评价任务计分：季度预算执行进度达到序时进度的得8分，"
        "每低于序时进度5个百分点扣1分。",
    ),
    (
        "区教育局",
        "请将教育督导、学校安全等年度重点工作纳入个性指标，细化后重新报送。",
        "按教育督导、学校安全和招生入学等重点任务计分：全部按期完成的得8分，"
        "发生校园安全责任事故的本项不得分。",
    ),
    (
        "区市场监督管理局",
        "执法办案、食品安全监管等工作的评分标准过于笼统，请按岗位分类细化。",
        "按执法办案、食品安全抽检和质量监管任务计分：季度抽检批次和案件办结率"
        "达到目标的得8分，每低于目标10%扣1分。",
    ),
)


@dataclass(frozen=True)
class DemoSchemesResult:
    region_id: int
    year: int
    templates: int
    template_indicators: int
    unit_schemes: int
    unit_indicators: int
    returned_once: int
    seconds: float

    def summary(self) -> dict[str, object]:
        """The counts, as stored in the audit row."""
        return {
            "year": self.year,
            "templates": self.templates,
            "template_indicators": self.template_indicators,
            "unit_schemes": self.unit_schemes,
            "unit_indicators": self.unit_indicators,
            "returned_once": self.returned_once,
        }


def walk(specs: Sequence[Spec]) -> Iterator[tuple[int, Spec]]:
    """Every node with its depth (0 for the top), parents before children."""
    stack = [(0, spec) for spec in reversed(specs)]
    while stack:
        depth, spec = stack.pop()
        yield depth, spec
        stack.extend((depth + 1, child) for child in reversed(spec.children))


def write_tree(version: SchemeVersion, specs: Sequence[Spec]) -> int:
    """Insert the tree with one bulk insert per level; returns the number of rows."""
    # Each entry: (spec, its parent row or None, the module and dimension it inherits).
    level: list[tuple[Spec, Indicator | None, Module, Dimension]] = [
        (spec, None, Module.COMMON, Dimension.PERFORMANCE) for spec in specs
    ]
    written = 0
    while level:
        rows: list[Indicator] = []
        for position, (spec, parent, module, dimension) in enumerate(level, start=1):
            rows.append(
                Indicator(
                    version=version,
                    parent=parent,
                    position=position,
                    name=spec.name,
                    description=spec.description,
                    module=spec.module or module,
                    dimension=spec.dimension or dimension,
                    kind=spec.kind,
                    max_points=D(spec.max_points),
                    per_occurrence=D(spec.per_occurrence),
                    cap=D(spec.cap),
                    weight=None if spec.weight is None else D(spec.weight),
                    quantitative=spec.quantitative,
                    evidence_required=spec.evidence_required,
                    auto_source=spec.auto_source,
                )
            )
        created = Indicator.objects.bulk_create(rows)
        written += len(created)
        level = [
            (child, row, Module(row.module), Dimension(row.dimension))
            for (spec, _parent, _m, _d), row in zip(level, created, strict=True)
            for child in spec.children
        ]
    return written


def publish_template(
    *,
    actor: User,
    region: Region,
    year: int,
    name: str,
    category: str,
    specs: Sequence[Spec],
) -> tuple[SchemeVersion, int]:
    """Create a template for the personnel category named `category`, write its tree
    and publish it; returns the published version and its number of indicators."""
    personnel_category = PersonnelCategory.objects.get(region=region, name=category)
    version = services.template_create(
        actor=actor, region=region, name=name, year=year, personnel_category=personnel_category
    )
    rows = write_tree(version, specs)
    services.version_approve(actor=actor, version=version, note="示范模板发布")
    return version, rows


@transaction.atomic
def generate_demo_schemes(*, region_id: int, year: int) -> DemoSchemesResult:
    """The demo county's templates and unit schemes; nothing if it already has schemes."""
    started = time.perf_counter()
    region = Region.objects.get(pk=region_id)
    if Scheme.objects.filter(region=region).exists():
        return DemoSchemesResult(region_id, year, 0, 0, 0, 0, 0, time.perf_counter() - started)
    admin = User.objects.get(region=region, username=REGION_ADMIN_LOGIN)

    template_a, rows_a = publish_template(
        actor=admin,
        region=region,
        year=year,
        name=TEMPLATE_A_NAME,
        category=CATEGORY_A,
        specs=TEMPLATE_A,
    )
    template_b, rows_b = publish_template(
        actor=admin,
        region=region,
        year=year,
        name=TEMPLATE_B_NAME,
        category=CATEGORY_B,
        specs=TEMPLATE_B,
    )

    returned = {name: (comment, revised) for name, comment, revised in RETURNED_UNITS}
    units = Unit.objects.filter(region=region, is_active=True).exclude(name=PERSONA_UNIT)
    schemes = 0
    for unit in units.order_by("path"):
        template = template_b if unit.name == POLICE_UNIT else template_a
        version = services.unit_scheme_create(actor=admin, template=template, unit=unit, year=year)
        services.version_submit(actor=admin, version=version, note="报送审核")
        if unit.name in returned:
            comment, revised = returned[unit.name]
            task = version.indicators.get(name=RETURN_INDICATOR)
            services.version_return(
                actor=admin,
                version=version,
                comment=comment,
                indicator_comments={str(task.key): RETURN_INDICATOR_COMMENT},
            )
            services.indicator_update(actor=admin, indicator=task, data={"description": revised})
            services.version_submit(actor=admin, version=version, note=RESUBMIT_NOTE)
        services.version_approve(actor=admin, version=version, note="审核通过")
        schemes += 1

    result = DemoSchemesResult(
        region_id=region.pk,
        year=year,
        templates=2,
        template_indicators=rows_a + rows_b,
        unit_schemes=schemes,
        unit_indicators=Indicator.objects.filter(
            version__scheme__region=region, version__scheme__role=Scheme.Role.UNIT
        ).count(),
        returned_once=len(returned),
        seconds=time.perf_counter() - started,
    )
    audit_record(
        actor=None, action=AuditAction.SCHEMES_DEMO_LOAD, region=region, details=result.summary()
    )
    return result


DEMO_DECLARATION = "本季度未安排可量化指标任务，经单位研究，申报无指标录入"


def declare_demo_entries(*, region_id: int, year: int, quarters: list[int]) -> int:
    """The demo's past quarters: each assessed unit without results declares it has no
    indicator entries (the demo enters none), so that the quarters may be computed as
    the guard requires. One INSERT per quarter; an existing declaration is kept."""
    written = 0
    for quarter in quarters:
        end = Period(year, quarter).end
        units = set(
            Membership.objects.filter(region_id=region_id)
            .on(end)
            .in_scope()
            .order_by()
            .values_list("unit_id", flat=True)
            .distinct()
        )
        created = EntryDeclaration.objects.bulk_create(
            (
                EntryDeclaration(unit_id=u, year=year, quarter=quarter, reason=DEMO_DECLARATION)
                for u in sorted(units)
            ),
            ignore_conflicts=True,
        )
        written += len(created)
    year_facts_forget(region_id)
    audit_record(
        actor=None,
        action=AuditAction.SCHEMES_DEMO_DECLARE,
        region=Region.objects.get(pk=region_id),
        details={"year": year, "quarters": quarters, "declarations": written},
    )
    return written
