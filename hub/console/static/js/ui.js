// Small DOM helpers. Data is only ever put into the page as text, never as markup.

import { label } from "./labels.js";

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's content; null, false and undefined children are left out. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) {
    if (child == null) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let generation = 0;
let keepNotice = false;

/** Thrown into a page that is no longer the one shown (the user moved on while it loaded). */
export class Stale extends Error {}

let leaving = [];

/** The router starts a new screen: pages still loading for the old one will not mount. */
export function nextScreen() {
  generation += 1;
  const cleanups = leaving;
  leaving = [];
  for (const fn of cleanups) fn();
}

/** Whether the screen current at this call is still the one shown (for work after an await). */
export function stillOn() {
  const mine = generation;
  return () => mine === generation;
}

/** Run `fn` when the current screen is left (stop following a subscription). */
export function onLeave(fn) {
  leaving.push(fn);
}

/** Reload the current screen, unless a dialog is open (its own success reloads it). */
let reloadTimer = null;
export function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => {
    if (document.querySelector("dialog[open]")) return;
    keepNotice = true; // a live refresh keeps what the user was told
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  }, 400);
}

let shown = -1; // the screen generation whose page has mounted

/** A page's own mount: it only renders while the page is still the current screen. */
export function screen() {
  const mine = generation;
  return (...children) => {
    if (mine !== generation) throw new Stale();
    shown = mine;
    return mount(...children);
  };
}

/** Whether the current screen's page has mounted (a page that failed first has not). */
export function screenShown() {
  return shown === generation;
}

export function mount(...children) {
  const app = document.getElementById("app");
  app.replaceChildren(...children.flat().filter((c) => c != null));
  return app;
}

let busyCount = 0;

/** Show progress while `promise` runs (long operations), with what is being done. */
export async function busy(text, promise) {
  const bar = document.getElementById("busy");
  document.getElementById("busy-text").textContent = text;
  busyCount += 1;
  bar.hidden = false;
  try {
    return await promise;
  } finally {
    busyCount -= 1;
    if (busyCount === 0) bar.hidden = true;
  }
}

/** Tell the user something above the page; `detail` (the API's own words) is a tooltip. */
export function notice(message, kind = "error", detail = "") {
  const el = document.getElementById("notice");
  el.title = message && detail ? detail : "";
  if (!message) {
    el.hidden = true;
    el.textContent = "";
    return;
  }
  el.className = "notice" + (kind === "error" ? "" : " " + kind);
  el.textContent = message;
  el.hidden = false;
}

let pending = null;

/** A notice to show once the next page has rendered (after an action that reloads it). */
export function flash(message, kind = "ok") {
  pending = [message, kind];
}

export function showFlash() {
  const next = pending;
  const keep = keepNotice;
  pending = null;
  keepNotice = false;
  if (next) notice(next[0], next[1]);
  else if (!keep) notice(null);
}

export function card(title, ...children) {
  return h("section", { class: "card" }, title ? h("h2", {}, title) : null, ...children);
}

export function field(text, input, wide = false) {
  return h("label", { class: wide ? "field wide" : "field" }, text, input);
}

export function table(headers, rows, rowAttrs = () => ({})) {
  if (!rows.length) return h("p", { class: "empty" }, "无记录");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
      h(
        "tbody",
        {},
        rows.map((cells, i) => h("tr", rowAttrs(i), cells.map((c) => h("td", {}, c)))),
      ),
    ),
  );
}

// --- a list that is a table on a desktop and cards on a phone ----------------------------------

/**
 * `columns`: [[field, heading]]; `rows`: objects of field -> content. Each cell carries its
 * heading (`data-label`, shown before it as a card) and its field (`data-field`).
 */
export function stack(id, columns, rows, rowAttrs, empty) {
  if (!rows.length) return h("p", { class: "empty", id }, empty);
  return h(
    "table",
    { class: "stack", id },
    h("thead", {}, h("tr", {}, columns.map(([, heading]) => h("th", { scope: "col" }, heading)))),
    h(
      "tbody",
      {},
      rows.map((row, i) =>
        h(
          "tr",
          rowAttrs(i),
          columns.map(([name, heading]) => h("td", { dataset: { label: heading, field: name } }, h("div", {}, row[name] == null || row[name] === "" ? "—" : row[name]))),
        ),
      ),
    ),
  );
}

export function badge(text, kind = "") {
  return h("span", { class: "badge " + kind }, text);
}

// Court time: the courts' calendar is Asia/Shanghai, whatever zone the browser is in. Every
// moment is shown in it, with the zone named; every day and time typed in means it. (China has
// kept +08:00 all year since 1991, so a wall-clock time there is that offset.)
export const COURT_ZONE = "Asia/Shanghai";
export const COURT_ZONE_LABEL = "北京时间";
const COURT_OFFSET = "+08:00";
const COURT_CLOCK = new Intl.DateTimeFormat("en-CA", {
  timeZone: COURT_ZONE, hourCycle: "h23",
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
});

function courtParts(d) {
  return Object.fromEntries(COURT_CLOCK.formatToParts(d).map((p) => [p.type, p.value]));
}

/** A moment from the API (RFC 3339 with its offset) in court time: "2026-11-01 13:12:05 北京时间". */
export function fmtDateTime(value) {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const p = courtParts(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${COURT_ZONE_LABEL}`;
}

/** Now on the court's clock, as a datetime-local input holds it ("2026-11-01T13:12"). */
export function courtNowLocal() {
  const p = courtParts(new Date());
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** A datetime-local value typed in court time, as the API takes it ("2026-11-01T13:12:00+08:00"). */
export function courtInstant(local) {
  if (!local) return null;
  return (local.length === 16 ? local + ":00" : local) + COURT_OFFSET;
}

/** The moment a court day ("2026-11-01") begins: 00:00 Beijing time. A day is [this, next day's). */
export function courtDayStart(day) {
  return day ? `${day}T00:00:00${COURT_OFFSET}` : null;
}

// Money as the API gives it: exact decimal strings ("12345.60"). Never through a float: formatted
// by splitting the string, compared as whole cents (BigInt).

/** An exact decimal from the API, grouped, in its currency: "12,345.60 元". */
export function fmtAmount(value, currency = "CNY") {
  if (value == null) return null;
  const text = String(value);
  const negative = text.startsWith("-");
  const [whole, frac = ""] = (negative ? text.slice(1) : text).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}.${frac.padEnd(2, "0")} ${label("currencyUnit", currency)}`;
}

const AMOUNT_TYPED = /^(?:0|[1-9]\d{0,14})(?:\.\d{1,2})?$/;

/** Whether what the user typed is an amount in yuan: digits, at most two decimals (cents). */
export function amountTyped(text) {
  return AMOUNT_TYPED.test(text);
}

/** An exact decimal string ("12.5", "12.50", "-3.00") as whole cents, or null if it is none. */
export function cents(value) {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(value ?? "").trim());
  if (!m) return null;
  const n = BigInt(m[2]) * 100n + BigInt((m[3] || "").padEnd(2, "0"));
  return m[1] ? -n : n;
}

/** An amount in yuan: exact (fmtAmount) for the API's decimal strings of cents. */
export function fmtMoney(value) {
  if (value == null) return null;
  if (/^-?\d+(?:\.\d{1,2})?$/.test(String(value))) return fmtAmount(value, "CNY");
  const n = Number(value);
  if (Number.isNaN(n)) return value;
  return n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " 元";
}

/** Today on the court's calendar ("2026-11-01"). */
export function today() {
  const p = courtParts(new Date());
  return `${p.year}-${p.month}-${p.day}`;
}

export function daysFrom(day, n) {
  const d = new Date(day + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A measure's term: calendar years or months (民诉法解释 第四百八十五条), or days. */
export function termText(o) {
  if (o.termMonths != null) return o.termMonths % 12 === 0 ? `${o.termMonths / 12} 年` : `${o.termMonths} 个月`;
  return o.termDays != null ? `${o.termDays} 天` : "—";
}

/**
 * A place in the waiting line (轮候), by the time the court's notice was served: an order
 * accepted while one served before it is unanswered has no place yet.
 */
export function rankBadge(o) {
  if (o.rank != null) return badge(`第 ${o.rank} 顺位`, o.status === "EFFECTIVE" ? "ok" : "warn");
  if (o.status === "WAITING") return badge("顺位待定（先送达的文书尚未答复）", "warn");
  return null;
}

export function statusBadge(status) {
  const kind = { EFFECTIVE: "ok", WAITING: "warn", REJECTED: "bad", EXPIRED: "bad", ACTIVE: "bad" }[status] || "";
  return badge(label("status", status), kind);
}
