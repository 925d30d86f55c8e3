// The judge's list of the dishonest-debtor and consumption-restriction entries of the judge's
// own cases (sanctionEntries), a page at a time, with 删除 / 撤销 for an entry in force.

import { gql } from "./api.js";
import { revokeEntry } from "./judge.js";
import { LABELS, label } from "./labels.js";
import { pagedList } from "./lists.js";
import { endsOnText } from "./profile.js";
import { card, field, h, screen, statusBadge, table } from "./ui.js";

const ENTRIES = `
query Entries($filter: SanctionEntryFilter, $after: String) {
  sanctionEntries(filter: $filter, first: 50, after: $after) {
    nodes { id list subjectKind subjectId name caseNumber publishedOn grounds termYears endsOn status endedOn }
    pageInfo { endCursor hasNextPage } totalCount
  }
}`;

const STATUSES = ["ACTIVE", "DELETED", "ANNULLED", "LIFTED", "REVOKED"];

export async function entries(params) {
  const mount = screen();
  const filter = {};
  for (const name of ["list", "status", "caseNumber"]) if (params.get(name)) filter[name] = params.get(name);
  const list = h("select", { id: "entries-list-kind" }, h("option", { value: "" }, "全部名单"), Object.entries(LABELS.list).map(([v, text]) => h("option", { value: v, selected: filter.list === v }, text)));
  const status = h("select", { id: "entries-status" }, h("option", { value: "" }, "全部状态"), STATUSES.map((s) => h("option", { value: s, selected: filter.status === s }, label("status", s))));
  const caseInput = h("input", { id: "entries-case", value: filter.caseNumber || "", autocomplete: "off", placeholder: "完整案号，如（2023）鲁0602执620号" });
  const form = h(
    "form",
    {
      id: "entries-filter",
      onsubmit: (event) => {
        event.preventDefault();
        const q = new URLSearchParams();
        if (list.value) q.set("list", list.value);
        if (status.value) q.set("status", status.value);
        if (caseInput.value.trim()) q.set("caseNumber", caseInput.value.trim());
        const query = q.toString();
        const target = "#/sanctions" + (query ? "?" + query : "");
        if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
        else location.hash = target;
      },
    },
    h("div", { class: "row" }, field("名单", list), field("状态", status), field("案号", caseInput, true), h("button", { class: "primary", type: "submit" }, "查询"), h("a", { href: "#/sanctions" }, "清除条件")),
  );
  const results = card(null, form);
  mount(h("h1", {}, "本人承办案件的名单信息"), results);
  const rows = await pagedList({
    id: "entries-results",
    loading: "正在读取名单信息…",
    fetchPage: async (after) => (await gql(ENTRIES, { filter, after })).data.sanctionEntries,
    render: (nodes) =>
      table(
        ["名单", "被执行人", "案号", "发布日期", "情形", "截止日期", "状态", ""],
        nodes.map((e) => [
          label("list", e.list),
          h("div", {}, h("a", { href: `#/lookup?${new URLSearchParams({ kind: e.subjectKind, id: e.subjectId, case: e.caseNumber })}`, class: "party-link" }, e.name), h("br"), h("small", {}, e.subjectId)),
          e.caseNumber,
          e.publishedOn,
          (e.grounds || []).map((g) => label("ground", g)).join("、") || "—",
          e.endsOn || endsOnText(e),
          statusBadge(e.status),
          e.status === "ACTIVE" ? h("button", { type: "button", class: "danger", dataset: { revoke: e.id }, onclick: () => revokeEntry(e) }, "删除 / 撤销") : e.endedOn || "",
        ]),
        (i) => ({ dataset: { entry: nodes[i].id } }),
      ),
  });
  results.append(rows);
}
