"""Enumerations of the API (ASCII codes; agency values in Chinese stay strings)."""

from enum import Enum

import strawberry

from hub.sanctions import workflow as lists


@strawberry.enum(description="Whether a subject is a natural person or an enterprise")
class SubjectKind(Enum):
    PERSON = "PERSON"
    ENTERPRISE = "ENTERPRISE"


@strawberry.enum(description="Registration status of a motor vehicle")
class VehicleStatus(Enum):
    NORMAL = "NORMAL"
    MORTGAGED = "MORTGAGED"
    SEIZED = "SEIZED"
    STOLEN = "STOLEN"


@strawberry.enum(description="The five social insurances (五险)")
class InsuranceKind(Enum):
    PENSION = "PENSION"
    MEDICAL = "MEDICAL"
    UNEMPLOYMENT = "UNEMPLOYMENT"
    INJURY = "INJURY"
    MATERNITY = "MATERNITY"


@strawberry.enum(description="A person's role in an enterprise")
class EnterpriseRoleKind(Enum):
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"
    SHAREHOLDER = "SHAREHOLDER"
    KEY_PERSONNEL = "KEY_PERSONNEL"


@strawberry.enum(description="Whether a case is still open")
class CaseStatus(Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


# strawberry.enum marks the domain's enum in place and returns it: the alias is a type to mypy.
strawberry.enum(
    lists.SanctionList, name="SanctionList", description="The court's credit-sanction lists"
)
SanctionList = lists.SanctionList


@strawberry.enum(
    description="Whether a sanction entry is on its list, and how it left it (an ACTIVE entry"
    " with a term stops restricting after endsOn, before the hub deletes it)"
)
class SanctionStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="On its list")
    ANNULLED = strawberry.enum_value(
        "ANNULLED", description="撤销: should not have been listed (法释〔2017〕7号 第九条第一款)"
    )
    DELETED = strawberry.enum_value(
        "DELETED",
        description="删除 (法释〔2017〕7号 第十条; early, 第二条第二款; at the term's end, by the hub)",
    )
    LIFTED = strawberry.enum_value(
        "LIFTED", description="解除 of a consumption restriction (法释〔2015〕17号 第九条)"
    )
    REVOKED = strawberry.enum_value(
        "REVOKED",
        description="Left its list through the deprecated sanctionEntryRevoke, or before the hub"
        " recorded how",
    )


@strawberry.enum(
    description="The ground (情形) of an entry: 法释〔2017〕7号 第一条 (dishonest list), 法释〔2015〕17号"
    " 第一条 (consumption restriction)"
)
class SanctionGround(Enum):
    ABLE_NOT_PERFORMING = strawberry.enum_value(
        "ABLE_NOT_PERFORMING",
        description="第一条第（一）项 有履行能力而拒不履行生效法律文书确定义务 (no term: until performance)",
    )
    OBSTRUCTING = strawberry.enum_value(
        "OBSTRUCTING", description="第一条第（二）项 以伪造证据、暴力、威胁等方法妨碍、抗拒执行"
    )
    EVADING = strawberry.enum_value(
        "EVADING",
        description="第一条第（三）项 以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
    )
    ASSET_REPORT = strawberry.enum_value(
        "ASSET_REPORT", description="第一条第（四）项 违反财产报告制度"
    )
    CONSUMPTION_ORDER = strawberry.enum_value(
        "CONSUMPTION_ORDER", description="第一条第（五）项 违反限制消费令"
    )
    SETTLEMENT = strawberry.enum_value(
        "SETTLEMENT", description="第一条第（六）项 无正当理由拒不履行执行和解协议"
    )
    NOT_PERFORMED = strawberry.enum_value(
        "NOT_PERFORMED",
        description="限制消费: 法释〔2015〕17号 第一条第一款 未按执行通知书指定的期间履行给付义务",
    )
    DISHONEST_LISTED = strawberry.enum_value(
        "DISHONEST_LISTED",
        description="限制消费: 法释〔2015〕17号 第一条第二款 纳入失信被执行人名单",
    )
    UNKNOWN = strawberry.enum_value(
        "UNKNOWN",
        description="Published before the hub recorded the ground; no term is computed until the"
        " court records it (sanctionEntryCorrect)",
    )


@strawberry.enum(description="Why an entry left its list")
class SanctionEndGround(Enum):
    PERFORMED = strawberry.enum_value(
        "PERFORMED",
        description="法释〔2017〕7号 第十条第一款第（一）项; for a consumption restriction 法释〔2015〕17号"
        " 第九条 履行完毕",
    )
    SETTLEMENT_PERFORMED = strawberry.enum_value(
        "SETTLEMENT_PERFORMED", description="第十条第一款第（二）项 执行和解协议已履行完毕"
    )
    APPLICANT_REQUEST = strawberry.enum_value(
        "APPLICANT_REQUEST", description="第十条第一款第（三）项 申请执行人书面申请删除，审查同意"
    )
    NO_PROPERTY_FOUND = strawberry.enum_value(
        "NO_PROPERTY_FOUND",
        description="第十条第一款第（四）项 终结本次执行程序后两次查询未发现可供执行财产",
    )
    SUSPENDED = strawberry.enum_value(
        "SUSPENDED", description="第十条第一款第（五）项 因审判监督或破产程序裁定中止执行"
    )
    NOT_ENFORCED = strawberry.enum_value(
        "NOT_ENFORCED", description="第十条第一款第（六）项 裁定不予执行"
    )
    TERMINATED = strawberry.enum_value(
        "TERMINATED", description="第十条第一款第（七）项 裁定终结执行"
    )
    EARLY = strawberry.enum_value(
        "EARLY",
        description="第二条第二款 积极履行或主动纠正失信行为，提前删除 (entries with a term)",
    )
    TERM_ENDED = strawberry.enum_value(
        "TERM_ENDED", description="第十条第二款 纳入期限届满 (the hub's own deletion)"
    )
    GUARANTEE = strawberry.enum_value(
        "GUARANTEE", description="法释〔2015〕17号 第九条 提供确实有效的担保"
    )
    APPLICANT_CONSENT = strawberry.enum_value(
        "APPLICANT_CONSENT", description="法释〔2015〕17号 第九条 经申请执行人同意"
    )
    WRONGLY_LISTED = strawberry.enum_value(
        "WRONGLY_LISTED", description="法释〔2017〕7号 第九条第一款 不应纳入 (撤销)"
    )


@strawberry.enum(description="State of a seizure annotation at the agency")
class SeizureStatus(Enum):
    EFFECTIVE = "EFFECTIVE"
    WAITING = "WAITING"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


@strawberry.enum(description="The kind of a deposit account")
class DepositKind(Enum):
    CURRENT = strawberry.enum_value("CURRENT", description="活期")
    TIME = strawberry.enum_value("TIME", description="定期")


@strawberry.enum(description="Whether a bank answered a look-up")
class BankAnswer(Enum):
    ANSWERED = strawberry.enum_value("ANSWERED", description="The bank answered in time")
    TIMEOUT = strawberry.enum_value(
        "TIMEOUT", description="No answer within its timeout (CONNECTOR_TIMEOUT at accounts)"
    )
    UNAVAILABLE = strawberry.enum_value(
        "UNAVAILABLE",
        description="Unreachable, failing or its breaker open (CONNECTOR_UNAVAILABLE at accounts)",
    )
