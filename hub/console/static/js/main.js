// The console's shell: sign-in, the session, the menu by role, and the router.

import { ApiError, SignedOut, consoleApi, gql, setToken, token } from "./api.js";
import { orgName, roleName, setCourts } from "./labels.js";
import { Stale, busy, card, field, h, mount, nextScreen, notice, screenShown, showFlash } from "./ui.js";
import * as judge from "./judge.js";
import * as sanctionPages from "./entries.js";
import * as agency from "./agency.js";
import * as auditor from "./auditor.js";
import * as approval from "./approval.js";
import * as party from "./party.js";
import * as requestPages from "./requests.js";
import * as inquiryPages from "./inquiries.js";
import * as police from "./police.js";

const JUDGE_ROLES = ["enforcement_judge"];
// Officers of the agencies that register courts' measures (social security holds no assets
// courts seize, so its officer has no inbox: the policy grants it none).
const ORDER_OFFICER_ROLES = ["registry_officer", "market_officer", "police_officer", "bank_officer"];
// a bank officer reads the orders addressed to the bank, no agency's data (no look-up)
const OFFICER_ROLES = [...ORDER_OFFICER_ROLES.filter((r) => r !== "bank_officer"), "social_officer"];
const AUDITOR_ROLES = ["auditor"];
const APPROVAL_ROLES = ["approval_system"];
// An enterprise's authorised person (企业纾困360): the party's own portal, nothing else.
const PARTY_ROLES = ["enterprise_party"];

// The party's menu, each page with its route in ROUTES below (PARTY_ROLES) — see
// docs/console.md, "The party's portal".
const PARTY_MENU = [
  ["#/my/cases", "我的案件"],
  ["#/my/measures", "我的财产上的措施"],
  ["#/my/credit", "我的信用信息"],
  ["#/my/requests", "我的诉求"],
  ["#/my/documents", "法院公开信息"],
];

const MENUS = [
  { roles: JUDGE_ROLES, items: [["#/cases", "我的案件"], ["#/lookup", "全息查询"], ["#/orders", "查控文书"], ["#/inquiries", "查控请求"], ["#/sanctions", "名单信息"], ["#/requests", "诉求反映"], ["#/police", "公安协助"]] },
  { roles: ORDER_OFFICER_ROLES, items: [["#/inbox", "协助执行收件箱"], ["#/handled", "已办理"]] },
  { roles: ["police_officer"], items: [["#/police-inbox", "公安协助"]] },
  { roles: OFFICER_ROLES, items: [["#/lookup", "信息查询"]] },
  { roles: AUDITOR_ROLES, items: [["#/audit", "访问记录"], ["#/audit/history", "个人访问历史"], ["#/audit/chart", "统计图表"], ["#/audit/integrity", "日志完整性"], ["#/audit/ledger", "执行款台账"]] },
  { roles: APPROVAL_ROLES, items: [["#/check", "联合惩戒核查"]] },
  { roles: PARTY_ROLES, items: PARTY_MENU },
];

// Each page and the roles it is for: an address of another role's page shows 无权访问 and asks
// nothing of the API (which would refuse it anyway: the policy decides, not the menu).
const ROUTES = {
  "/cases": [judge.cases, JUDGE_ROLES],
  "/lookup": [judge.lookup, [...JUDGE_ROLES, ...OFFICER_ROLES]],
  "/orders": [judge.orders, JUDGE_ROLES],
  "/order/new": [judge.newOrder, JUDGE_ROLES],
  "/inquiries": [inquiryPages.list, JUDGE_ROLES],
  "/inquiry/new": [inquiryPages.newInquiry, JUDGE_ROLES],
  "/inquiry": [inquiryPages.inquiry, JUDGE_ROLES],
  "/sanctions": [sanctionPages.entries, JUDGE_ROLES],
  "/requests": [requestPages.inbox, JUDGE_ROLES],
  "/police": [police.requests, JUDGE_ROLES],
  "/police-inbox": [police.inbox, ["police_officer"]],
  "/inbox": [agency.inbox, ORDER_OFFICER_ROLES],
  "/handled": [agency.handled, ORDER_OFFICER_ROLES],
  "/audit": [auditor.log, AUDITOR_ROLES],
  "/audit/history": [auditor.history, AUDITOR_ROLES],
  "/audit/chart": [auditor.chart, AUDITOR_ROLES],
  "/audit/integrity": [auditor.integrity, AUDITOR_ROLES],
  "/audit/ledger": [auditor.ledger, AUDITOR_ROLES],
  "/check": [approval.check, APPROVAL_ROLES],
  "/my/cases": [party.cases, PARTY_ROLES],
  "/my/measures": [party.measures, PARTY_ROLES],
  "/my/credit": [party.credit, PARTY_ROLES],
  "/my/requests": [party.requests, PARTY_ROLES],
  "/my/documents": [party.documents, PARTY_ROLES],
};

let me = null;
let routes = 0; // route() calls so far: only the latest may say its page is ready
let expiryTimer = null;
let signInNotice = null; // [message, kind] for the next sign-in page

// --- the hand-over from a login in front (HUB_CONSOLE_LOGIN_URL) -----------------------------
// The login hands the hub token back as /console/#token=…&state=…. The console takes it only
// with a state it started itself, in this tab, less than 10 minutes ago, and only once: a link
// carrying someone else's token must not sign this tab into their account (login CSRF).

const LOGIN_STATES_KEY = "fyt.console.loginStates";
const LOGIN_STATE_TTL_MS = 10 * 60 * 1000;
const LOGIN_STATES_KEPT = 8; // logins started and not yet back, per tab
export const HANDOVER_REFUSED = "登录链接无效或已过期，请重新登录";

function pendingLogins() {
  let entries = [];
  try {
    const stored = JSON.parse(sessionStorage.getItem(LOGIN_STATES_KEY) || "[]");
    if (Array.isArray(stored)) entries = stored;
  } catch {
    // a damaged entry: no login is pending
  }
  const now = Date.now();
  return entries.filter((e) => e && typeof e.state === "string" && typeof e.expires === "number" && e.expires > now);
}

function keepLogins(entries) {
  if (entries.length) sessionStorage.setItem(LOGIN_STATES_KEY, JSON.stringify(entries.slice(-LOGIN_STATES_KEPT)));
  else sessionStorage.removeItem(LOGIN_STATES_KEY);
}

/** A fresh state (256 random bits, hex) for a login about to start; kept in this tab only. */
function startLogin() {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  const state = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  keepLogins([...pendingLogins(), { state, expires: Date.now() + LOGIN_STATE_TTL_MS }]);
  return state;
}

/** Whether `state` is one this tab started and has not used; it is used up either way. */
function finishLogin(state) {
  const entries = pendingLogins();
  const index = entries.findIndex((e) => e.state === state);
  if (index >= 0) entries.splice(index, 1);
  keepLogins(entries);
  return index >= 0;
}

function loginTarget(loginUrl) {
  const back = encodeURIComponent(location.origin + "/console/");
  return `${loginUrl}${loginUrl.includes("?") ? "&" : "?"}return=${back}&state=${startLogin()}`;
}

/**
 * A hand-over in the address bar (#token=…&state=…: any fragment with parameters, pages are
 * #/…) is taken out of it at once, whatever it holds; the token is kept only with a state this
 * tab started. Returns whether there was one.
 */
function takeHandOver() {
  const fragment = location.hash.replace(/^#/, "");
  if (fragment.startsWith("/") || !fragment.includes("=")) return false;
  const params = new URLSearchParams(fragment);
  const tokens = params.getAll("token");
  const states = params.getAll("state");
  const started = states.length === 1 && finishLogin(states[0]);
  const accepted = started && tokens.length === 1 && tokens[0] !== "";
  history.replaceState(null, "", location.pathname + location.search + (accepted ? "#/" : "#/signin"));
  me = null;
  clearTimeout(expiryTimer);
  setToken(accepted ? tokens[0] : null);
  if (!accepted) signInNotice = [HANDOVER_REFUSED, "error"];
  return true;
}

export function currentUser() {
  return me;
}

export function hasRole(role) {
  return !!me && me.roles.includes(role);
}

function menuFor(user) {
  const items = MENUS.filter((m) => m.roles.some((r) => user.roles.includes(r))).flatMap((m) => m.items);
  return items.filter(([href], i) => items.findIndex(([other]) => other === href) === i);
}

function home(user) {
  const items = menuFor(user);
  return items.length ? items[0][0] : "#/none";
}

export function signOut(message, kind = "info") {
  setToken(null);
  keepLogins([]);
  me = null;
  nextScreen();
  delete document.getElementById("app").dataset.ready;
  clearTimeout(expiryTimer);
  document.getElementById("who").replaceChildren();
  document.getElementById("nav").replaceChildren();
  if (location.hash !== "#/signin") history.replaceState(null, "", "#/signin");
  renderSignIn(message, kind);
}

async function loadMe() {
  // the court table names court codes on every page (a policy may withhold it: codes then stay)
  const { data } = await gql("query Me { me { userId name title org roles courtCode tokenExpiresAt } courts { code name } }", {}, { nullRoot: true });
  me = data.me;
  setCourts(data.courts);
  const left = new Date(me.tokenExpiresAt).getTime() - Date.now();
  clearTimeout(expiryTimer);
  // Timers longer than ~24.8 days overflow; the server refuses an expired token anyway.
  expiryTimer = setTimeout(() => signOut("登录已过期，请重新登录", "error"), Math.min(Math.max(left, 0), 2 ** 31 - 1));
  const roles = me.roles.map(roleName).join("、");
  document.getElementById("who").replaceChildren(
    h("span", { id: "who-name" }, `${me.name || me.userId}（${me.title || roles}）`),
    h("button", { type: "button", id: "sign-out", onclick: () => signOut("您已退出登录") }, "退出"),
  );
}

function renderNav() {
  const path = location.hash.split("?")[0];
  document.getElementById("nav").replaceChildren(
    ...menuFor(me).map(([href, text]) => h("a", { href, class: path === href ? "active" : null }, text)),
  );
}

async function renderSignIn(message, kind = "info") {
  notice(message || null, kind);
  const tokenInput = h("textarea", { id: "token-input", rows: 4, placeholder: "eyJhbGciOiJFZERTQSIs…", autocomplete: "off" });
  const useToken = async (event) => {
    event.preventDefault();
    const value = tokenInput.value.trim();
    if (!value) {
      notice("请粘贴访问令牌（Bearer token）");
      return;
    }
    setToken(value.replace(/^Bearer\s+/i, ""));
    await start();
  };
  const tokenCard = card(
    "使用访问令牌登录",
    h("p", { class: "muted" }, "粘贴由本单位身份认证系统或 fyt token issue 签发的令牌。令牌只保存在本浏览器标签页中，关闭标签页即失效。"),
    h("form", { onsubmit: useToken }, field("访问令牌", tokenInput, true), h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, "登录"))),
  );
  mount(h("h1", {}, "登录府院通工作台"), h("div", { id: "signin-extra" }), tokenCard);
  let config;
  try {
    config = await consoleApi("config");
  } catch (err) {
    notice(err.message);
    return;
  }
  const extra = document.getElementById("signin-extra");
  if (!extra) return;
  if (config.loginUrl) {
    // The state is made when the user leaves for the login, never before.
    const login = () => location.assign(loginTarget(config.loginUrl));
    extra.append(card("统一身份认证", h("p", {}, h("button", { type: "button", class: "primary", id: "oidc-login", onclick: login }, "使用统一身份认证登录"))));
  }
  if (config.demo) {
    const users = await consoleApi("demo-users").catch((err) => {
      notice(err.message);
      return [];
    });
    extra.append(
      card(
        "演示用户",
        h("p", { class: "muted" }, `演示模式：选择一位演示用户直接登录（令牌 ${lifetime(config.demoTokenSeconds)}有效）。生产环境没有此入口。`),
        h(
          "div",
          { class: "users" },
          users.map((u) =>
            h(
              "button",
              { type: "button", dataset: { user: u.id }, onclick: () => demoSignIn(u.id) },
              h("strong", {}, u.name),
              h("span", {}, `${u.title} · ${u.id} · ${u.court || orgName(u.org)}`),
            ),
          ),
        ),
      ),
    );
  }
}

function lifetime(seconds) {
  if (!seconds) return "";
  return seconds % 3600 === 0 ? `${seconds / 3600} 小时` : `${Math.max(1, Math.round(seconds / 60))} 分钟`;
}

async function demoSignIn(userId) {
  try {
    const body = await busy("正在登录…", consoleApi("demo-sign-in", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId }),
    }));
    setToken(body.token);
    await start();
  } catch (err) {
    notice(err.message);
  }
}

async function route() {
  if (takeHandOver()) {
    nextScreen();
    document.getElementById("who").replaceChildren();
    document.getElementById("nav").replaceChildren();
  }
  if (!token()) {
    if (location.hash !== "#/signin") history.replaceState(null, "", "#/signin");
    const [message, kind] = signInNotice || [sessionStorage.getItem("fyt.console.message"), "info"];
    signInNotice = null;
    sessionStorage.removeItem("fyt.console.message");
    await renderSignIn(message, kind);
    return;
  }
  if (!me) {
    await start();
    return;
  }
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  if (!path || path === "/" || path === "/signin") {
    location.hash = home(me);
    return;
  }
  nextScreen();
  const mine = ++routes;
  const app = document.getElementById("app");
  const shown = location.hash;
  delete app.dataset.ready;
  renderNav();
  showFlash();
  const [page, roles] = ROUTES[path] || [notFound, null];
  try {
    if (roles && !roles.some((r) => me.roles.includes(r))) refused(roles);
    else await page(new URLSearchParams(query || ""), me);
  } catch (err) {
    handle(err);
    // a page that failed before showing anything must not leave the previous one in place
    if (mine === routes && me && !(err instanceof Stale) && !(err instanceof SignedOut) && !screenShown()) {
      mount(card(null, h("p", { class: "empty", id: "page-failed" }, "此页未能显示，原因见上方提示。")));
    }
  }
  // The page for this address has finished loading (or reported why not).
  if (mine === routes && location.hash === shown) app.dataset.ready = shown;
}

function notFound() {
  mount(card("没有这个页面", h("p", { id: "route-unknown" }, "请从上方菜单进入。")));
}

/** Another role's page, opened by its address: said plainly, nothing asked of the API. */
function refused(roles) {
  const whose = [...new Set(roles.map(roleName))].join("、");
  mount(
    h("h1", {}, "无权访问"),
    card(
      null,
      h("p", { id: "route-refused" }, `这个页面供${whose}使用，您的账号（${me.roles.map(roleName).join("、")}）不能打开。`),
      h("p", {}, "请从上方菜单进入您可以使用的页面。"),
      h("p", {}, h("a", { class: "primary", href: home(me), id: "route-home" }, "返回首页")),
    ),
  );
}

export function handle(err) {
  if (err instanceof Stale) return; // the user moved on; nothing to report
  if (err instanceof SignedOut) {
    signOut(err.message === "登录已失效，请重新登录" ? "登录已过期或令牌无效，请重新登录" : err.message, "error");
  } else if (err instanceof ApiError) {
    notice(err.message, "error", err.errors.map((e) => e.message).join("\n"));
  } else {
    console.error(err);
    notice("页面出错：" + (err && err.message ? err.message : String(err)));
  }
}

async function start() {
  try {
    await busy("正在验证身份…", loadMe());
  } catch (err) {
    handle(err);
    return;
  }
  notice(null);
  const path = location.hash.replace(/^#/, "").split("?")[0];
  if (!path || path === "/" || path === "/signin") location.hash = home(me);
  else await route();
}

window.addEventListener("hashchange", route);
window.addEventListener("unhandledrejection", (event) => handle(event.reason));
route();
