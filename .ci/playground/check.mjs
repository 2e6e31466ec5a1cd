// Headless check of the GraphiQL playground: open the page, run a query, and
// look for the expected text in the result pane. Every request that leaves
// the server's origin is aborted, so passing proves the page needs no network.
//
//   node .ci/playground/check.mjs http://127.0.0.1:PORT/
//
// Env: PLAYGROUND_QUERY (default `{ categories { name } }`), PLAYGROUND_EXPECT
// (default `"categories"`), PLAYGROUND_HEADERS (JSON typed into the headers
// editor; each header must then reach the server), CHROMIUM (default
// /usr/bin/chromium), PLAYGROUND_SCREENSHOT (also save a screenshot on success).
// Exits 0 with one OK line, or 1 after printing what it saw and saving
// /tmp/playground-check.png. A GraphQL response with errors is a failure.
import { chromium } from 'playwright-core';

const TOTAL_MS = 60_000;
const SHOT = '/tmp/playground-check.png';

const base = process.argv[2];
if (!base || !URL.canParse(base)) {
  console.error('usage: node check.mjs http://127.0.0.1:PORT/');
  process.exit(2);
}
const origin = new URL(base).origin;
const query = process.env.PLAYGROUND_QUERY || '{ categories { name } }';
const expect = process.env.PLAYGROUND_EXPECT || '"categories"';
const headers = process.env.PLAYGROUND_HEADERS ? JSON.parse(process.env.PLAYGROUND_HEADERS) : null;

const blocked = [];
const problems = []; // page errors and CSP violations: fatal even if the query works
const consoleErrors = [];
const sentHeaders = []; // headers of the requests that carried our query
let browser;
let page;

// A hard stop in case something hangs outside Playwright's own timeouts.
const killer = setTimeout(() => fail(`timed out after ${TOTAL_MS / 1000}s`), TOTAL_MS);

try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout: 20_000,
    // launch() already gives each run a fresh temporary profile (it refuses
    // --user-data-dir). The rest keeps Chromium from phoning home; --no-sandbox
    // because CI runs as root.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Routing on the context, not the page, also catches requests made by
  // workers; service workers would bypass routing, so they are refused.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('request', (req) => {
    if (sentQuery(req) === query) sentHeaders.push(req.headers());
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  await page.exposeFunction('reportCSPViolation', (v) => problems.push(`CSP violation: ${v}`));

  // Report CSP violations, and read the response pane: a CodeMirror in
  // GraphiQL 3, .result-window before.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.reportCSPViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`);
    });
    window.resultText = () => {
      const cm = document.querySelector('.graphiql-response .CodeMirror');
      if (cm && cm.CodeMirror) return cm.CodeMirror.getValue();
      return document.querySelector('.result-window')?.textContent ?? '';
    };
  });
  const resp = await page.goto(base, { waitUntil: 'load' });
  if (!resp || !resp.ok()) throw new Error(`GET ${base}: ${resp ? resp.status() : 'no response'}`);

  await page.waitForSelector('.graphiql-query-editor .CodeMirror');
  await page.evaluate((q) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q);
  }, query);
  if (headers) await setHeaders(JSON.stringify(headers));

  // Wait for the server to answer our query, not just for the text: GraphiQL
  // also shows a failed schema introspection in the result pane.
  const answered = page.waitForResponse((r) => sentQuery(r.request()) === query);
  await page.click('.graphiql-execute-button');
  const answer = await answered;
  if (!answer.ok()) throw new Error(`the endpoint answered ${answer.status()}`);
  // An error's path can hold the expected field name, so errors fail outright.
  const errors = (await answer.json().catch(() => null))?.errors;
  if (errors) throw new Error(`the endpoint answered with errors: ${JSON.stringify(errors).slice(0, 300)}`);
  await page.waitForFunction((want) => resultText().includes(want), expect, { timeout: 15_000 })
    .catch(() => { throw new Error(`result never contained ${expect}`); });

  if (headers) {
    for (const [k, v] of Object.entries(headers)) {
      if (!sentHeaders.some((h) => h[k.toLowerCase()] === v)) {
        throw new Error(`header ${k} was not sent to the endpoint`);
      }
    }
  }
  if (blocked.length) throw new Error(`the page tried to leave ${origin}`);
  if (problems.length) throw new Error('the page reported errors');

  const found = (await page.evaluate(() => resultText())).replace(/\s+/g, ' ').trim();
  if (process.env.PLAYGROUND_SCREENSHOT) await page.screenshot({ path: process.env.PLAYGROUND_SCREENSHOT });
  console.log(`OK playground at ${base} ran ${JSON.stringify(query)} and got: ${found.slice(0, 300)}`);
  clearTimeout(killer);
  await browser.close();
  process.exit(0);
} catch (err) {
  await fail(err.message);
}

// sentQuery is the GraphQL query a request carries, if any.
function sentQuery(req) {
  if (req.method() !== 'POST') return undefined;
  try {
    return req.postDataJSON()?.query;
  } catch {
    return undefined;
  }
}

// setHeaders types into the headers editor, which sits behind a tab.
async function setHeaders(json) {
  await page.getByRole('button', { name: 'Headers' }).click();
  await page.waitForFunction(() => document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror'));
  await page.evaluate((v) => {
    document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').CodeMirror.setValue(v);
  }, json);
}

async function fail(why) {
  clearTimeout(killer);
  console.error(`FAIL playground at ${base}: ${why}`);
  for (const p of problems) console.error(`  ${p}`);
  for (const u of blocked) console.error(`  blocked: ${u}`);
  for (const e of consoleErrors) console.error(`  console error: ${e}`);
  if (page) {
    // Bound each look so a wedged page cannot hold the exit.
    const seen = await Promise.race([
      page.evaluate(() => ({
        query: document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror?.getValue(),
        result: typeof resultText === 'function' ? resultText() : undefined,
        body: document.body?.innerText.slice(0, 500),
      })),
      new Promise((resolve) => setTimeout(() => resolve(null), 3_000)),
    ]).catch((e) => ({ error: e.message }));
    console.error(`  saw: ${JSON.stringify(seen)}`);
    await Promise.race([
      page.screenshot({ path: SHOT }).then(() => console.error(`  screenshot: ${SHOT}`)),
      new Promise((resolve) => setTimeout(resolve, 5_000)),
    ]).catch((e) => console.error(`  no screenshot: ${e.message}`));
  }
  if (browser) await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 3_000))]).catch(() => {});
  process.exit(1);
}
