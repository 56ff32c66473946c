/**
 * The web page in a real browser: Debian's Chromium driven by playwright-core against a real `hotpath start`.
 * Data: one real CPU profile (go-cpu-deep-stacks) restamped into the last minute as `ui-shop{version=v1}`, and the
 * same profile with one function's self share doubled (test/helpers/inject-regression.ts) as `version=v2`.
 * The page must show the known top function in its table and its flame graph, zoom into it on a click, and rank
 * the injected regression first in the diff view; the whole view state must survive a reload from the URL.
 * Screenshots land in test-output/ (git-ignored).
 *
 * Locally the test is skipped when /usr/bin/chromium is missing (apt-get install -y chromium); under CI=true it
 * always runs (.ci/run installs Chromium), so a missing browser fails instead of passing silently.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { injectRegression } from './helpers/inject-regression.ts';
import { oracleTotals, readProfileFile } from './helpers/pprof-oracle.ts';
import { restampPprof } from './helpers/restamp.ts';
import { startServer, tempDir, type TestServer } from './helpers/server.ts';

// Page-side callbacks run in the browser; these names exist there (tsconfig has no DOM lib, on purpose).
declare const window: any;
declare const document: any;
declare const location: { href: string };

const CHROMIUM = '/usr/bin/chromium';
const SKIP = !existsSync(CHROMIUM) && process.env.CI !== 'true' ? `no browser at ${CHROMIUM} (apt-get install -y chromium); CI installs it and runs this test` : false;
const OUT = new URL('../test-output/', import.meta.url).pathname;
const FILE = 'go-cpu-deep-stacks.pb.gz';
const SERVICE = 'ui-shop';
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const RANGE = 'from=now-1h&until=now%2B1h';

interface DrawnNode {
  name: string;
  depth: number;
  x: number;
  y: number;
  width: number;
  height: number;
  match: boolean;
}

const ranked = (m: Map<string, bigint>) => [...m.entries()].sort((a, b) => (a[1] === b[1] ? a[0].localeCompare(b[0]) : a[1] > b[1] ? -1 : 1));

/** The known answers, from the profile itself (pprof-format), before anything is sent. */
function fixture() {
  const raw = readProfileFile(FILE);
  const types = oracleTotals(raw);
  const cpuIndex = types.findIndex((t) => t.type === 'cpu' && t.unit === 'nanoseconds');
  assert.ok(cpuIndex >= 0, `${FILE} has a cpu/nanoseconds sample type`);
  // The regression goes to the third hottest leaf: not the top one, so "ranked first" means the diff found it.
  const regressed = ranked(types[cpuIndex]!.leafSelf)[2]![0];
  const comparison = injectRegression(raw, regressed, cpuIndex);
  const after = oracleTotals(comparison)[cpuIndex]!;
  const merged = new Map(types[cpuIndex]!.leafSelf);
  for (const [fn, v] of after.leafSelf) merged.set(fn, (merged.get(fn) ?? 0n) + v);
  const [first, second] = ranked(merged);
  assert.ok(first![1] > second![1], 'one function clearly leads the merged selection');
  return { raw, comparison, regressed, top: first![0], total: types[cpuIndex]!.total + after.total };
}

async function drawn(page: Page, name = 'flame'): Promise<DrawnNode[]> {
  return page.evaluate((n) => (window as any).__hotpath?.[n]?.nodes ?? [], name);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await fn();
    if (last !== undefined) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('web page in Chromium', { skip: SKIP }, () => {
  let server: TestServer;
  let browser: BrowserContext;
  let page: Page;
  let profileDir: string;
  const pageErrors: string[] = [];
  const fx = SKIP ? undefined : fixture();

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer();
    profileDir = tempDir('hotpath-chromium-');
    // A persistent context on a fresh temp dir: playwright's way to name Chromium's --user-data-dir.
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 1000 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(`console: ${m.text()}`));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('loads the baseline (v1) and the regressed comparison (v2)', async () => {
    const { raw, comparison, total } = fx!;
    const nowS = Math.floor(Date.now() / 1000);
    for (const [version, bytes, at] of [['v1', raw, 40_000], ['v2', comparison, 20_000]] as const) {
      const name = encodeURIComponent(`${SERVICE}{version=${version}}`);
      const res = await fetch(`${server.url}/ingest?name=${name}&from=${nowS - 10}&until=${nowS}&format=pprof`, { method: 'POST', body: restampPprof(bytes, Date.now() - at) });
      assert.equal(res.status, 200, await res.text());
    }
    const q = encodeURIComponent(`${CPU}{service_name="${SERVICE}"}`);
    const got = await waitFor('both profiles stored', async () => {
      const body = (await (await fetch(`${server.url}/api/v1/top?query=${q}&${RANGE}&limit=1`)).json()) as { total: number | string };
      return BigInt(body.total) === total ? body : undefined;
    });
    assert.equal(BigInt(got.total), total);
  });

  it('shows the top function in the table and the flame graph, and zooms into it on a click', async () => {
    const { top } = fx!;
    await page.goto(`${server.url}/`);
    await page.waitForSelector(`#profile-type option[value="${CPU}"]`, { state: 'attached' });
    assert.equal(await page.inputValue('#profile-type'), CPU);
    await page.waitForSelector(`#main-service option[value="${SERVICE}"]`, { state: 'attached' });
    await page.selectOption('#main-service', SERVICE);

    await page.waitForFunction((fn) => document.querySelector('#top-table tbody tr')?.getAttribute('data-function') === fn, top);
    assert.equal(await page.textContent('#top-table tbody tr:first-child td.fn'), top);
    assert.match(page.url(), /sel=%7Bservice_name%3D%22ui-shop%22%7D/);

    const nodes = await waitFor('the top function drawn', async () => {
      const n = await drawn(page);
      return n.some((x) => x.name === top) ? n : undefined;
    });
    const count = await page.evaluate(() => (window as any).__hotpath.flame.count);
    assert.ok(count > 100, `the flame graph has ${count} nodes`);
    await page.screenshot({ path: join(OUT, 'ui-flame.png'), fullPage: true });

    // Click the widest frame of the top function: the graph zooms to it, and the URL remembers the zoom.
    const target = nodes.filter((x) => x.name === top).sort((a, b) => b.width - a.width)[0]!;
    const box = (await page.locator('[data-testid="flame-canvas"]').boundingBox())!;
    await page.mouse.move(box.x + target.x + target.width / 2, box.y + target.y + target.height / 2);
    const tip = await page.textContent('.flame .tooltip');
    assert.match(tip ?? '', new RegExp(`${top.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}self: .+ \\(.+%\\)total: .+ \\(.+%\\)`));
    await page.mouse.click(box.x + target.x + target.width / 2, box.y + target.y + target.height / 2);
    await page.waitForFunction((fn) => (window as any).__hotpath.flame.focus === fn, top);
    const zoomed = await drawn(page);
    const focus = zoomed.find((x) => x.name === top && x.depth === target.depth)!;
    assert.ok(Math.abs(focus.x) < 1 && Math.abs(focus.width - box.width) < 2, `zoomed frame spans the canvas: x=${focus.x} width=${focus.width} of ${box.width}`);
    assert.match(new URL(page.url()).searchParams.get('zoom') ?? '', new RegExp(`"${top.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\]$`));
    await page.screenshot({ path: join(OUT, 'ui-flame-zoomed.png'), fullPage: true });

    // A table row highlights its function in the flame graph: every frame left bright carries that name.
    const second = await page.getAttribute('#top-table tbody tr:nth-child(2)', 'data-function');
    await page.click('#top-table tbody tr:nth-child(2)');
    await page.waitForFunction((fn) => new URL(location.href).searchParams.get('hl') === fn, second);
    await page.click('#flame-reset');
    await page.waitForFunction(() => (window as any).__hotpath.flame.focus === 'total');
    const lit = (await drawn(page)).filter((x) => x.match);
    assert.ok(lit.length > 0 && lit.every((x) => x.name === second), `highlighted frames: ${[...new Set(lit.map((x) => x.name))].join(', ')}`);
    assert.equal(await page.getAttribute('#top-table tbody tr.hl', 'data-function'), second);
  });

  it('ranks the injected regression first in the diff view, and the URL restores it', async () => {
    const { regressed } = fx!;
    await page.click('#tab-diff');
    for (const [side, version] of [['baseline', 'v1'], ['comparison', 'v2']] as const) {
      await page.click(`#${side}-add-label`);
      const row = page.locator(`#${side}-selector .matcher`).last();
      await row.locator('select[aria-label="label name"] option[value="version"]').waitFor({ state: 'attached' });
      await row.locator('select[aria-label="label name"]').selectOption('version');
      await row.locator('input[aria-label="label value"]').fill(version);
      await row.locator('input[aria-label="label value"]').press('Enter');
      await page.waitForFunction(([p, v]) => (new URL(location.href).searchParams.get(p) ?? '').includes(`version="${v}"`), [side[0], version]);
    }
    await page.waitForFunction((fn) => document.querySelector('#diff-table tbody tr')?.getAttribute('data-function') === fn, regressed);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('view'), 'diff');
    assert.equal(url.searchParams.get('b'), `{service_name="${SERVICE}", version="v1"}`);
    assert.equal(url.searchParams.get('c'), `{service_name="${SERVICE}", version="v2"}`);
    // The page's first row is the API's first row, and the share really doubled.
    const api = (await (await fetch(`${server.url}/api/v1/diff?${new URLSearchParams({ baseline: `${CPU}{service_name="${SERVICE}",version="v1"}`, comparison: `${CPU}{service_name="${SERVICE}",version="v2"}`, baselineFrom: 'now-1h', comparisonFrom: 'now-1h' })}`)).json()) as { rows: { function: string; selfShare: { baseline: number; comparison: number } }[] };
    assert.equal(api.rows[0].function, regressed);
    assert.ok(Math.abs(api.rows[0].selfShare.comparison / api.rows[0].selfShare.baseline - 2) < 0.01, `self share ${api.rows[0].selfShare.baseline} → ${api.rows[0].selfShare.comparison}`);
    const upNodes = await waitFor('diff flame graph drawn', async () => {
      const n = await drawn(page, 'diffFlame');
      return n.length > 0 ? n : undefined;
    });
    assert.ok(upNodes.some((x) => x.name === regressed), 'the regressed function is drawn in the diff flame graph');
    await page.screenshot({ path: join(OUT, 'ui-diff.png'), fullPage: true });

    await page.check('#cb-palette');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('palette') === 'cb');
    await page.screenshot({ path: join(OUT, 'ui-diff-colour-blind.png'), fullPage: true });

    // A shared link: a fresh load of the same URL shows the same ranking.
    await page.goto(page.url());
    await page.waitForFunction((fn) => document.querySelector('#diff-table tbody tr')?.getAttribute('data-function') === fn, regressed);
    assert.equal(await page.isChecked('#cb-palette'), true);
  });

  it('shows the service page, or says clearly that the report endpoint is not there', async () => {
    const res = await fetch(`${server.url}/api/v1/report/${SERVICE}?from=now-1h&until=now`, { headers: { accept: 'application/json' } });
    await page.click('#tab-report');
    if (res.status === 404) {
      await page.waitForSelector('#report-message');
      const text = await page.textContent('#report-message');
      assert.match(text ?? '', new RegExp(`No service page for ${SERVICE}\\. /api/v1/report/${SERVICE} answered 404 \\(not_found: `));
    } else {
      assert.equal(res.status, 200, await res.text());
      await page.waitForSelector('#report-body h2');
      assert.equal(await page.textContent('#report-body h2'), `Service ${SERVICE}`);
    }
    await page.screenshot({ path: join(OUT, 'ui-report.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);

    // A Hotpath without the report route (the answer the page gets from an older server): a clear message.
    await page.route('**/api/v1/report/**', (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'not_found', message: `no route GET /api/v1/report/${SERVICE}` } }) }),
    );
    await page.reload();
    await page.waitForSelector('#report-message');
    assert.equal(
      await page.textContent('#report-message'),
      `No service page for ${SERVICE}. /api/v1/report/${SERVICE} answered 404 (not_found: no route GET /api/v1/report/${SERVICE}). This Hotpath does not serve service reports yet, or has none for this service; the flame graph and diff views work without it.`,
    );
    await page.unroute('**/api/v1/report/**');
    // Chromium logs the 404 itself; nothing else went wrong.
    assert.deepEqual(pageErrors, ['console: Failed to load resource: the server responded with a status of 404 (Not Found)']);
  });
});
