// Lists read a page at a time: "共 N 条" and 加载更多 under every list, and the judge's case
// picker, which finds a case by part of its number (the API's assignedCases).

import { gql } from "./api.js";
import { busy, h } from "./ui.js";

/** What a list holds in all, and how much of it is shown. */
export function totalText(total, shown, unit = "条") {
  return total > shown ? `共 ${total} ${unit}，已显示 ${shown} ${unit}` : `共 ${total} ${unit}`;
}

/**
 * A list read a page at a time. `fetchPage(after)` resolves to a page of the API's lists
 * ({nodes, pageInfo: {endCursor, hasNextPage}, totalCount}); `render(nodes)` draws every row
 * read so far. Shows "共 N 条" and, while there is more, 加载更多 (#<id>-more). Resolves to the
 * element once the first page is in.
 */
export async function pagedList({ id, fetchPage, render, loading = "正在读取…", unit = "条" }) {
  const nodes = [];
  const total = h("p", { class: "muted list-total", id: `${id}-total` });
  const rows = h("div", { id });
  const more = h("button", { type: "button", class: "secondary", id: `${id}-more` }, "加载更多");
  let after = null;
  const show = (page) => {
    nodes.push(...page.nodes);
    after = page.pageInfo.endCursor;
    total.textContent = totalText(page.totalCount, nodes.length, unit);
    rows.replaceChildren(render(nodes));
    more.hidden = !page.pageInfo.hasNextPage;
  };
  more.onclick = async () => {
    more.disabled = true;
    try {
      show(await busy("正在读取更多…", fetchPage(after)));
    } catch (err) {
      (await import("./main.js")).handle(err);
    } finally {
      more.disabled = false;
    }
  };
  show(await busy(loading, fetchPage(null)));
  return h("div", { class: "paged" }, total, rows, more);
}

const CASE_OPTIONS = `
query CaseOptions($filter: CaseFilter, $after: String) {
  assignedCases(filter: $filter, first: 50, after: $after) {
    nodes { caseNumber cause } pageInfo { endCursor hasNextPage } totalCount
  }
}`;

/**
 * The judge's open cases to choose from: a <select id=`id`> of the newest, a search box
 * (#<id>-search) that finds the case numbers holding what is typed (and chooses the first it
 * finds), and 更多案件 (#<id>-more) for the next page. The chosen case stays listed whatever is
 * searched. `none`: the text of an empty choice, if there is one. `ready` resolves once the
 * first page is in.
 */
export function casePicker({ id, selected = "", none = null, required = false }) {
  const select = h("select", { id, name: "case", required });
  const search = h("input", { type: "search", id: `${id}-search`, placeholder: "按案号查找，如 执1119", autocomplete: "off", "aria-label": "按案号查找案件" });
  const total = h("small", { class: "muted", id: `${id}-total` });
  const more = h("button", { type: "button", class: "secondary", id: `${id}-more` }, "更多案件");
  let after = null;
  let asked = 0;
  let shown = 0;
  const load = async (term, next) => {
    const mine = (asked += 1);
    const filter = { status: "OPEN", caseNumberContains: term || null };
    const { data } = await gql(CASE_OPTIONS, { filter, after: next });
    if (mine !== asked) return; // a newer search has started
    const page = data.assignedCases;
    const before = select.value;
    if (!next) {
      shown = 0;
      if (term && page.nodes.length) selected = page.nodes[0].caseNumber; // a search picks its first match
      select.replaceChildren(...(none != null ? [h("option", { value: "" }, none)] : []));
      if (selected && !page.nodes.some((c) => c.caseNumber === selected)) select.append(h("option", { value: selected }, selected));
    }
    const listed = new Set([...select.options].map((o) => o.value));
    select.append(...page.nodes.filter((c) => !listed.has(c.caseNumber)).map((c) => h("option", { value: c.caseNumber }, `${c.caseNumber} ${c.cause || ""}`)));
    shown += page.nodes.length;
    if (selected) select.value = selected;
    selected = select.value;
    after = page.pageInfo.endCursor;
    more.hidden = !page.pageInfo.hasNextPage;
    total.textContent = (term ? `含“${term}”的未结案件` : "未结案件") + totalText(page.totalCount, shown, "件");
    if (next == null && before && select.value !== before) select.dispatchEvent(new Event("change"));
  };
  const failed = (err) => import("./main.js").then((m) => m.handle(err));
  let timer = null;
  const searchNow = () => {
    clearTimeout(timer);
    load(search.value.trim(), null).catch(failed);
  };
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(searchNow, 300);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault(); // Enter searches; it does not submit the form around the picker
    searchNow();
  });
  select.addEventListener("change", () => {
    selected = select.value;
  });
  more.onclick = () => load(search.value.trim(), after).catch(failed);
  const element = h("div", { class: "case-picker" }, search, select, h("div", { class: "row" }, total, more));
  return { element, select, search, ready: load("", null) };
}
