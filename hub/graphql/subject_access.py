"""Access to a subject: validation, purpose binding and the caller's grants, before any look-up.

:class:`SubjectAccess` is declared on the root fields that name subjects (``person``,
``persons``, ``enterprise``, ``enterprises``). In order, and before the resolver runs:

1. the field itself must be granted (``Query.person``), else ``FORBIDDEN``;
2. identifiers and the case number must be valid, else ``BAD_USER_INPUT`` naming the rule;
3. if every requested field is denied, ``FORBIDDEN`` says so plainly;
4. purpose binding, for roles the policy marks ``@purpose``: a case must be cited
   (``PURPOSE_REQUIRED``), exist, belong to the caller's court, be open, have the caller
   assigned (``@assignment``), and name the subject as a party (``FORBIDDEN`` with the reason).
   In a batch each subject is judged on its own: a non-party is null with ``FORBIDDEN`` at its
   index, the others load;
5. the asset sections (:data:`ASSET_SECTIONS`: a person's or an enterprise's ``assets``, a
   person's ``insurance`` — wages and the housing-fund balance) are for the subject the case's
   measures are for: a 被执行人 of an enforcement case, a 被保全人 of a preservation case
   (:func:`hub.cases.rules.respondent_verdict`; 《民事诉讼法》第二百五十三条至第二百五十五条,
   查封规定 第一条、第二条). Another party (the 申请执行人) is looked up with the rest of the
   profile, and those sections are null with ``FORBIDDEN`` (``NOT_A_RESPONDENT``, or
   ``CASE_TYPE`` for a case of another type) at their path; nothing of them is fetched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.types import Info

from hub.audit.entries import AccessRecord
from hub.cases.rules import check_case, party_verdicts, respondent_verdict
from hub.errors import BadUserInput, Forbidden, HubError, PurposeRequired
from hub.federation.lookups import CASE_PURPOSES
from hub.graphql.context import AuthedContext, ctx
from hub.identifiers import check_id_number, check_uscc, normalize_case_number
from hub.policy.enforce import plan_for
from hub.policy.table import Decision, Grants

_CHECKS = {"PERSON": check_id_number, "ENTERPRISE": check_uscc}


def _batch_size(values: list[str], argument: str, limit: int) -> None:
    if not values:
        raise BadUserInput(
            f"{argument} must name at least one subject", argument=argument, rule="BATCH_EMPTY"
        )
    if len(values) > limit:
        raise BadUserInput(
            f"{argument} names {len(values)} subjects; at most {limit} per call — split the batch",
            argument=argument,
            rule="BATCH_SIZE",
        )


async def purpose_verdicts(
    context: AuthedContext, grants: Grants, case: str | None, keys: list[str]
) -> list[HubError | None]:
    """Per subject: None when the caller may look, else the error. Raises for the whole call."""
    if not grants.requires_purpose:
        return [None] * len(keys)
    if case is None:
        raise PurposeRequired(
            f"{grants.describe} must cite the case the look-up is for: pass caseNumber"
            " (for example （2026）鲁0602执123号)"
        )
    principal = context.principal
    record = await context.runtime.purposes.get(
        case, lambda: context.loaders.load(CASE_PURPOSES, case)
    )
    check_case(
        record,
        case,
        court_code=principal.court_code,
        org=principal.org,
        user_id=principal.sub,
        assignment_required=grants.requires_assignment,
    )
    context.cited_cases[case] = record
    return party_verdicts(record, keys, case)


# The sections of a profile that show what property measures reach (assets; a person's wages
# and housing-fund balance): the respondent's only (see the module docstring, step 5).
ASSET_SECTIONS = {"Person": ("assets", "insurance"), "Enterprise": ("assets",)}


def withheld_detail(plan: Any, kind: str, refusal: HubError | None) -> dict[str, Any]:
    """For the audit entry: which asset sections asked for were withheld, and why."""
    type_name = "Person" if kind == "PERSON" else "Enterprise"
    asked = [
        f"{type_name}.{f}" for f in ASSET_SECTIONS[type_name] if f in plan.live.get(type_name, ())
    ]
    if refusal is None or not asked:
        return {}
    return {"withheld": asked, "withheldReason": str(refusal.extra.get("reason"))}


def check_reference(
    info: Info[Any, Any], key: str, kind: str, *, represents: str | None = None
) -> HubError | None:
    """Purpose binding reaches references too: a purpose-bound caller may follow a reference
    (an equity's enterprise, a legal representative, a shareholder) only to a party of a case
    cited in this request; nothing about anyone else is fetched. Either way the subject reached
    is audited. Returns the refusal of the subject's asset sections (None: they may be shown —
    the subject is a respondent of a cited case it is a party of).

    One reference reaches a non-party: an enterprise party acts in its case through its legal
    representative (《民事诉讼法》第五十一条第二款: 法人由其法定代表人进行诉讼), so an enterprise's
    ``legalRepresentative`` (``represents``: the enterprise's USCC) may be followed when that
    enterprise is a party of a cited case. The person is shown as a party's representative, not
    as a respondent: their asset sections are refused (``NOT_A_RESPONDENT``) unless they are a
    respondent of a cited case themselves."""
    context = ctx(info)
    grants = context.grants
    plan = plan_for(grants, context.runtime.policy_fields, info)
    cited = list(context.cited_cases.values())
    records = [record for record in cited if key in record.parties]
    detail: dict[str, Any] = {}
    if grants.requires_purpose and not records and represents is not None:
        records = [record for record in cited if represents in record.parties]
        if records:
            detail = {"legalRepresentativeOf": represents}
    cases = [record.case_number for record in records]
    allowed = not grants.requires_purpose or bool(cases)
    assets: HubError | None = None
    if grants.requires_purpose and records:
        verdicts = [respondent_verdict(record, key) for record in records]
        if all(v is not None for v in verdicts):
            assets = next(v for v in verdicts if v is not None)
    context.audit_subjects.append(
        AccessRecord(
            action="REFERENCE_VIEW",
            subject_kind=kind,
            subject_id=key,
            case_number=cases[0] if cases else next(iter(context.cited_cases), None),
            path=tuple(info._raw_info.path.as_list()),
            outcome=None if allowed else "DENIED",
            reason=None if allowed else "NOT_A_PARTY",
            granted=plan.granted,
            masked=plan.masked,
            denied=plan.denied,
            detail={**detail, **withheld_detail(plan, kind, assets)} if allowed else {},
        )
    )
    if allowed:
        return assets
    raise Forbidden(
        f"{key} is not a party of the case cited ({', '.join(context.cited_cases) or 'none'});"
        " look them up citing a case they are a party of",
        reason="NOT_A_PARTY",
    )


class SubjectAccess(FieldExtension):
    def __init__(self, *, kind: str, argument: str, many: bool) -> None:
        self.kind = kind
        self.argument = argument  # the resolver's (Python) argument name
        self.many = many
        self.graphql_argument = argument.split("_")[0] + "".join(
            p.title() for p in argument.split("_")[1:]
        )

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], **kwargs: Any
    ) -> Any:
        context = ctx(info)
        grants = context.grants
        plan = plan_for(grants, context.runtime.policy_fields, info)
        noun = "persons" if self.kind == "PERSON" else "enterprises"
        path = tuple(info._raw_info.path.as_list())
        recorded = len(context.audit_subjects)
        try:
            return await self._resolve(next_, source, info, kwargs, plan, noun, path)
        except HubError as exc:
            # A refusal of the subjects already recorded (a non-party) is not recorded twice.
            if exc.code in ("FORBIDDEN", "PURPOSE_REQUIRED") and (
                len(context.audit_subjects) == recorded
            ):
                self._record_refusal(context, kwargs, exc, path)
            raise

    def _record_refusal(
        self, context: AuthedContext, kwargs: dict[str, Any], exc: HubError, path: tuple[Any, ...]
    ) -> None:
        """Denied and purpose-less attempts are audited too (one entry per named subject)."""
        value = kwargs.get(self.argument)
        keys = value if isinstance(value, list) else [value]
        outcome = "PURPOSE_REQUIRED" if exc.code == "PURPOSE_REQUIRED" else "DENIED"
        case = kwargs.get("case_number")
        for i, key in enumerate(keys):
            if not isinstance(key, str):
                continue
            context.audit_subjects.append(
                AccessRecord(
                    action="PROFILE_VIEW",
                    subject_kind=self.kind,
                    subject_id=key.strip().upper(),
                    case_number=case if isinstance(case, str) else None,
                    path=path + ((i,) if self.many else ()),
                    outcome=outcome,
                    reason=str(exc.extra.get("reason") or exc.code),
                )
            )

    async def _resolve(
        self,
        next_: Callable[..., Any],
        source: Any,
        info: Info[Any, Any],
        kwargs: dict[str, Any],
        plan: Any,
        noun: str,
        path: tuple[Any, ...],
    ) -> Any:
        context = ctx(info)
        grants = context.grants
        if plan.own == Decision.DENY:
            raise Forbidden(f"{grants.describe} may not look up {noun}", reason="POLICY")
        check = _CHECKS[self.kind]
        value = kwargs[self.argument]
        if self.many:
            _batch_size(value, self.graphql_argument, context.runtime.settings.max_batch_subjects)
            keys = [check(v, argument=f"{self.graphql_argument}[{i}]") for i, v in enumerate(value)]
        else:
            keys = [check(value, argument=self.graphql_argument)]
        raw_case = kwargs.get("case_number")
        case = normalize_case_number(raw_case) if raw_case is not None else None
        if plan.refused_below:
            raise Forbidden(
                f"{grants.describe} may see none of the requested fields of {noun}", reason="POLICY"
            )
        kwargs["case_number"] = case
        verdicts = await purpose_verdicts(context, grants, case, keys)
        assets = [
            respondent_verdict(context.cited_cases[case], key)
            if grants.requires_purpose and case is not None and verdict is None
            else None
            for key, verdict in zip(keys, verdicts, strict=True)
        ]
        for i, (key, verdict) in enumerate(zip(keys, verdicts, strict=True)):
            context.purposes[key] = case
            context.audit_subjects.append(
                AccessRecord(
                    action="PROFILE_VIEW",
                    subject_kind=self.kind,
                    subject_id=key,
                    case_number=case,
                    path=path + ((i,) if self.many else ()),
                    outcome=None if verdict is None else "DENIED",
                    reason=None if verdict is None else str(verdict.extra.get("reason")),
                    granted=plan.granted,
                    masked=plan.masked,
                    denied=plan.denied,
                    detail=withheld_detail(plan, self.kind, assets[i]),
                )
            )
        if not self.many:
            if verdicts[0] is not None:
                raise verdicts[0]
            kwargs[self.argument] = keys[0]
            return plan.apply(_withhold(await next_(source, info, **kwargs), assets[0]))
        allowed = [k for k, v in zip(keys, verdicts, strict=True) if v is None]
        found = iter(
            await next_(source, info, **{**kwargs, self.argument: allowed}) if allowed else []
        )
        return [
            v if v is not None else plan.apply(_withhold(next(found), a))
            for v, a in zip(verdicts, assets, strict=True)
        ]


def _withhold(subject: Any, refusal: HubError | None) -> Any:
    """The subject (a Person or an Enterprise, or None) with its asset sections' refusal."""
    if subject is not None and refusal is not None:
        subject.asset_refusal = refusal
    return subject
