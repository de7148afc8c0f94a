"""The data contract (shared/spec/data-contract.md) as data: extract kinds, columns, aliases,
enumerations and personal-data columns.

Canonical stored values of enumerations are the Chinese values; English codes are accepted as
aliases on input. What intake accepts and quarantines for each habit of real exports (layouts,
delimiters, date and number spellings, personal data) is stated in the README, "Reading extracts",
and decided in :mod:`getpower.intake.sniff`, :mod:`getpower.intake.normalise` and
:mod:`getpower.intake.validate`.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

# --- enumerations: canonical Chinese value -> English code -------------------------------------
CUSTOMER_CLASS = MappingProxyType(
    {"居民": "resident", "低压非居民": "lv_nonres", "高压单电源": "hv_single", "高压双电源": "hv_dual"}
)
AREA_TYPE = MappingProxyType(
    {"市中心区": "city_core", "市区": "urban", "城镇": "town", "农村": "rural"}
)
APP_STATUS = MappingProxyType({"已归档": "done", "在途": "open", "已撤销": "withdrawn"})
STAGE = MappingProxyType(
    {
        "申请受理": "accept",
        "供电方案答复": "scheme",
        "设计审查": "design_review",
        "中间检查": "mid_inspection",
        "竣工检验": "completion_check",
        "装表接电": "connect",
        "竣工装表接电": "completion_connect",
    }
)
OUTAGE_KIND = MappingProxyType({"预安排": "planned", "故障": "fault"})
OUTAGE_CAUSE = MappingProxyType(
    {"内部": "internal", "外部影响": "external", "系统电源不足限电": "supply_shortage"}
)
VOLTAGE_CLASS = MappingProxyType(
    {"低压": "lv", "10kV": "10kv", "20kV": "20kv", "35kV及以上": "35kv_plus"}
)
APPROVAL_MODE = MappingProxyType(
    {
        "行政许可": "permit",
        "并联审批": "parallel",
        "告知承诺": "notify_commit",
        "备案": "filing",
        "免于审批": "exempt",
    }
)
LEDGER_STATUS = MappingProxyType({"已完成": "done", "推进中": "in_progress", "未启动": "not_started"})

# extra spellings met in real exports, mapped to the canonical value
EXTRA_ALIASES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "voltage_class": MappingProxyType(
            {"10千伏": "10kV", "20千伏": "20kV", "35kv": "35kV及以上", "35千伏及以上": "35kV及以上",
             "0.4kv": "低压", "380v": "低压", "220v": "低压"}
        ),
        "status": MappingProxyType({"归档": "已归档", "已完成": "已归档", "在办": "在途", "撤销": "已撤销"}),
        "kind": MappingProxyType({"计划停电": "预安排", "故障停电": "故障"}),
        "cause": MappingProxyType({"外部": "外部影响", "限电": "系统电源不足限电"}),
    }
)

LAST_STAGES = ("装表接电", "竣工装表接电")


@dataclass(frozen=True)
class Column:
    """One column of an extract kind.

    ``type`` is one of ``text``, ``city``, ``unit`` (a city or the province), ``enum``, ``bool``,
    ``number``, ``integer``, ``voltage_kv``, ``timestamp``, ``date``.
    """

    name: str
    aliases: tuple[str, ...]
    type: str = "text"
    required: bool = False
    enum: Mapping[str, str] | None = None
    default: object = None
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    units: tuple[str, ...] = ()  # unit suffixes accepted on numbers (`160kW`, `1200元`)


@dataclass(frozen=True)
class Kind:
    """An extract kind: its columns, the key that identifies a record, its file names."""

    name: str
    label: str
    file_names: tuple[str, ...]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    unique_key: bool = True  # a duplicate key inside one extract is quarantined (first kept)
    row_rules: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


C = Column
KINDS: tuple[Kind, ...] = (
    Kind(
        "applications", "用电报装工单", ("applications", "报装工单", "用电报装工单"),
        (
            C("app_id", ("工单编号", "申请编号"), required=True),
            C("city", ("地市", "供电单位"), "city", required=True),
            C("district", ("区县",)),
            C("area_type", ("区域类型", "地区特征"), "enum", enum=AREA_TYPE),
            C("customer_class", ("客户类别", "用户分类"), "enum", required=True, enum=CUSTOMER_CLASS),
            C("important", ("重要用户", "高危及重要用户"), "bool", default=False),
            C("small_micro", ("小微企业",), "bool", default=False),
            C("capacity_kw", ("申请容量(kW)", "报装容量(kVA)", "申请容量", "报装容量"), "number",
              required=True, minimum=0, units=("kW", "kVA", "千瓦", "千伏安")),
            C("supply_voltage_kv", ("供电电压(kV)", "供电电压等级", "供电电压"), "voltage_kv", required=True),
            C("channel", ("申请渠道", "受理渠道"), required=True),
            C("customer_investment_yuan", ("客户投资(元)", "客户承担费用(元)", "客户投资", "客户承担费用"),
              "number", required=True, minimum=0, units=("元",)),
            C("status", ("工单状态",), "enum", enum=APP_STATUS),
        ),
        key=("app_id",),
    ),
    # A stages extract carries the full stage history of each application it mentions: the
    # store replaces that application's stored stages as a whole (a corrected start time
    # replaces the stage; it does not add a second one). See store.py.
    Kind(
        "stages", "流程环节记录", ("stages", "环节记录", "流程环节记录"),
        (
            C("app_id", ("工单编号", "申请编号"), required=True),
            C("stage", ("环节名称", "环节"), "enum", required=True, enum=STAGE),
            C("started_at", ("环节开始时间", "开始时间"), "timestamp", required=True),
            C("finished_at", ("环节结束时间", "完成时间", "结束时间"), "timestamp"),
            C("recorded_at", ("录入时间", "系统记录时间"), "timestamp"),
        ),
        key=("app_id", "stage", "started_at"),
        # an orphan stage (its application missing or quarantined) is decided across the batch, not
        # per row: intake.validate quarantines it as 孤立环节 (R_ORPHAN)
        row_rules=("finished_before_started",),
    ),
    Kind(
        "outages", "停电事件", ("outages", "停电事件"),
        (
            C("event_id", ("停电事件编号", "事件编号"), required=True),
            C("city", ("地市", "供电单位"), "city", required=True),
            C("district", ("区县",)),
            C("area_type", ("区域类型", "地区特征"), "enum", required=True, enum=AREA_TYPE),
            C("kind", ("停电性质", "停电类型"), "enum", required=True, enum=OUTAGE_KIND),
            C("cause", ("停电原因",), "enum", enum=OUTAGE_CAUSE, default="内部"),
            C("started_at", ("停电开始时间",), "timestamp", required=True),
            C("restored_at", ("恢复送电时间", "停电结束时间"), "timestamp", required=True),
            C("customers_affected", ("停电用户数", "停电户数"), "integer", required=True,
              minimum=0, exclusive_minimum=True, units=("户",)),
        ),
        key=("event_id",),
        row_rules=("restored_not_after_started",),
    ),
    Kind(
        "customer_base", "用户数", ("customer_base", "用户数", "用户总数"),
        (
            C("city", ("地市", "供电单位"), "city", required=True),
            C("area_type", ("区域类型", "地区特征"), "enum", required=True, enum=AREA_TYPE),
            C("as_of", ("统计日期",), "date", required=True),
            C("customers", ("用户总数", "总用户数", "用户数"), "integer", required=True,
              minimum=0, exclusive_minimum=True, units=("户",)),
        ),
        key=("city", "area_type", "as_of"),
    ),
    Kind(
        "approvals", "电力接入工程审批", ("approvals", "接入工程审批", "电力接入工程审批"),
        (
            C("project_id", ("项目编号",), required=True),
            C("city", ("地市", "供电单位"), "city", required=True),
            C("voltage_class", ("电压等级",), "enum", required=True, enum=VOLTAGE_CLASS),
            C("line_length_m", ("线路长度(米)", "线路长度(m)", "线路长度"), "number", required=True, minimum=0,
              units=("m", "米")),
            C("mode", ("办理方式", "审批方式"), "enum", required=True, enum=APPROVAL_MODE),
            C("submitted_at", ("申请时间", "提交时间"), "timestamp", required=True),
            C("approved_at", ("办结时间",), "timestamp"),
        ),
        key=("project_id",),
        row_rules=("approved_before_submitted",),
    ),
    Kind(
        "service_items", "办电业务事项目录", ("service_items", "业务事项目录", "办电业务事项目录"),
        (
            C("city", ("地市", "供电单位"), "city", required=True),
            C("item", ("事项名称",), required=True),
            C("online", ("是否线上可办", "线上可办"), "bool", required=True),
            C("as_of", ("统计日期",), "date", required=True),
        ),
        key=("city", "item", "as_of"),
    ),
    Kind(
        "ledger_status", "重点任务台账进展", ("ledger_status", "台账进展", "重点任务台账进展"),
        (
            C("item_no", ("序号", "任务序号"), "integer", required=True, minimum=1, maximum=66),
            C("unit", ("责任单位", "地市"), "unit", required=True),
            C("status", ("完成情况",), "enum", required=True, enum=LEDGER_STATUS),
            C("reported_at", ("报送日期",), "date", required=True),
            C("evidence", ("佐证材料",)),
        ),
        key=("item_no", "unit", "reported_at"),
    ),
)
KIND_BY_NAME: Mapping[str, Kind] = MappingProxyType({k.name: k for k in KINDS})

# Personal data: never needed, dropped at ingest (data-contract.md, "Personal data"). A column is
# personal when its normalised header contains one of these words (so `客户姓名`, `联系电话_1`,
# `联系电话_duplicated_0`, `用电地址(详细)` are caught) and is not one of the contract's own headers, or
# when a sample of its values looks like mainland mobile numbers or resident ID numbers.
PERSONAL_DATA_WORDS: tuple[str, ...] = (
    "姓名", "户名", "客户名称", "用户名称", "联系人", "法定代表人", "法人代表", "经办人",
    "电话", "手机", "联系方式", "联系号码", "传真",
    "身份证", "证件", "护照",
    "地址", "住址", "门牌",
    "银行", "账号", "帐号", "卡号", "开户",
    "邮箱", "电子邮件", "e-mail", "email",
    "customer_name", "contact", "id_number", "idcard", "id_card", "phone", "mobile", "telephone",
    "address", "bank", "account",
)
MOBILE_RE = r"^(?:\+?86[- ]?)?1[3-9][0-9]{9}$"
RESIDENT_ID_RE = r"^[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9xX]$"
# footer rows of report-style exports: not data (quarantined with their own reason)
FOOTER_WORDS: tuple[str, ...] = ("合计", "总计", "小计", "累计", "total", "subtotal")
# … after a short prefix (全省合计, 杭州市小计), and the signature lines under a report
FOOTER_PREFIX_CHARS = 6
SIGNATURE_WORDS: tuple[str, ...] = ("制表人", "制表", "审核人", "审核", "填报人", "填报单位", "填报日期", "负责人",
                                    "经办人", "联系人", "注", "说明", "备注")  # each followed by a colon


def norm_header(text: str) -> str:
    """Normalise a header for matching: NFKC (full-width → half-width), no spaces, lower case.

    >>> norm_header(" 申请容量（ＫＷ） ")
    '申请容量(kw)'
    """
    # a byte-order mark (a file saved twice with one) and zero-width spaces are not part of a name
    text = str(text).replace("\ufeff", "").replace("\u200b", "")
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def header_map(kind: Kind) -> dict[str, str]:
    """Normalised header → canonical column name, for one kind (the English name is an alias too)."""
    out: dict[str, str] = {}
    for col in kind.columns:
        for alias in (col.name, *col.aliases):
            out.setdefault(norm_header(alias), col.name)
    return out


PERSONAL_DATA_NORM = tuple(norm_header(w) for w in PERSONAL_DATA_WORDS)
ALL_CONTRACT_HEADERS = frozenset(h for k in KINDS for h in header_map(k))


def is_personal_header(header: str) -> bool:
    """Whether a header names personal data (and is not one of the contract's headers).

    >>> [is_personal_header(h) for h in ("客户姓名", "联系电话_duplicated_0", "用电地址（详细）", "事项名称", "地市")]
    [True, True, True, False, False]
    """
    n = norm_header(header)
    return n not in ALL_CONTRACT_HEADERS and any(w in n for w in PERSONAL_DATA_NORM)
