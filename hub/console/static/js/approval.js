// The approval system's page: may this subject be granted the matter? (联合惩戒核查)

import { gql } from "./api.js";
import { label } from "./labels.js";
import { busy, card, field, fill, h, table, screen } from "./ui.js";

const MATTERS = `query Matters { sanctionMatters { code name lists subjects legalBasis checkable } }`;
const CHECK = `
query Check($subject: SubjectInput!, $matter: String!) {
  sanctionCheck(subject: $subject, matter: $matter) {
    subjectKind subjectId matter decision legalBasis
    entries { entryId list courtName caseNumber publishedOn endsOn role roles viaUscc viaName }
  }
}`;

export async function check(params) {
  const mount = screen();
  const { data } = await busy("正在读取受限事项目录…", gql(MATTERS));
  // only the matters the caller's own department grants: the hub refuses the others
  const matters = data.sanctionMatters.filter((m) => m.checkable);
  const matterSelect = h("select", { id: "check-matter" }, matters.map((m) => h("option", { value: m.code, selected: m.code === params.get("matter") }, m.name)));
  const idInput = h("input", { id: "check-id", required: true, value: params.get("id") || "", placeholder: "身份证号码或统一社会信用代码", autocomplete: "off" });
  const form = h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = "#/check?" + new URLSearchParams({ matter: matterSelect.value, id: idInput.value.trim() });
      },
    },
    h("div", { class: "row" }, field("审批事项", matterSelect, true), field("申请人证件号码", idInput, true), h("button", { class: "primary", type: "submit" }, "核查")),
  );
  const result = h("div", { id: "check-result" });
  mount(h("h1", {}, "联合惩戒核查"), card(null, h("p", { class: "muted" }, "审批前核查申请人是否在失信被执行人名单或限制消费名单上。每次核查均记入审计日志。"), form), result);
  const id = (params.get("id") || "").trim();
  if (!id || !params.get("matter")) return;
  const subject = /^[0-9]{17}[0-9Xx]$/.test(id) ? { idNumber: id } : { uscc: id };
  const { data: d } = await busy("正在核查…", gql(CHECK, { subject, matter: params.get("matter") }));
  const r = d.sanctionCheck;
  const block = r.decision === "BLOCK";
  fill(
    result,
    card(
      "核查结果",
      h("p", { class: "decision " + (block ? "block" : "allow"), id: "check-decision" }, block ? "拦截：不予办理" : "放行：未发现限制"),
      block ? table(["名单", "法院", "案号", "发布日期", "截止日期", "关联"], r.entries.map((e) => [label("list", e.list), e.courtName, e.caseNumber, e.publishedOn, e.endsOn || "—", e.viaName ? `${e.viaName}（${e.roles.map((x) => label("boundRole", x)).join("、")}）` : "本人"])) : null,
      r.legalBasis ? h("p", { class: "muted" }, "依据：" + r.legalBasis) : null,
    ),
  );
}
