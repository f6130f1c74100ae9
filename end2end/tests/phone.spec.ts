// 手机 — a citizen on a 360 or 390 px phone, in Chinese and in English, in the standard and the
// large-type (长辈模式) layouts: every entry within a thumb's reach, nothing scrolling sideways,
// search that finds the words people use, a first paint that does not jump.
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { uploadEveryMaterial } from './forms';
import { ENTERPRISE, LEGAL_REP, codeSentTo, newMobile, newResidentId, personPage } from './identity-helpers';

const WIDTHS = [360, 390];
const LANGS = [
  { tag: 'zh-CN', tabs: ['首页', '办事', '进度查询', '我的'], account: ['我的办件', '我的证照', '切换办事身份'], signOut: '退出登录', switchLabel: '切换' },
  { tag: 'en', tabs: ['Home', 'Services', 'Track progress', 'Me'], account: ['My applications', 'My licences', 'Switch whom you act for'], signOut: 'Sign out', switchLabel: 'Switch' },
];

/** Nothing on the page is wider than the screen. */
async function expectNoSidewaysScroll(page: Page) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  expect(scroll, `${page.url()} scrolls sideways`).toBeLessThanOrEqual(client);
}

/** The tab bar's four entries are on the screen, at its bottom, each at least 44 px high. */
async function expectTabBar(page: Page, names: string[]) {
  const bar = page.getByRole('navigation', { name: /快捷导航|Quick navigation/ });
  const viewport = page.viewportSize()!;
  for (const name of names) {
    const box = await bar.getByRole('link', { name, exact: true }).boundingBox();
    expect(box, `${name} on ${page.url()}`).not.toBeNull();
    expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height + 1);
    expect(box!.y).toBeGreaterThan(viewport.height / 2);
    expect(box!.height).toBeGreaterThanOrEqual(44);
  }
}

test('at 360 and 390 px, in both languages, every entry is reachable and nothing scrolls sideways', async ({ browser }) => {
  test.setTimeout(180_000);
  const page = await personPage(browser, LEGAL_REP.id);
  // Acting for the enterprise: the bar that says so must fit too.
  await page.getByRole('listitem').filter({ hasText: ENTERPRISE.name }).getByRole('button', { name: '以此企业身份办事' }).click();
  await expect(page.getByRole('region', { name: '办事身份' })).toContainText(ENTERPRISE.name);
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 780 });
    for (const lang of LANGS) {
      await page.evaluate((tag) => localStorage.setItem('yiwang.lang', tag), lang.tag);
      for (const path of ['/', '/items', '/items/DG-GR-0002', '/progress', '/applications', '/licenses', '/account']) {
        await page.goto(path);
        await expect(page.locator('html')).toHaveAttribute('lang', lang.tag);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        await expectNoSidewaysScroll(page);
        await expectTabBar(page, lang.tabs);
        await expect(page.getByRole('region', { name: /办事身份|Acting for/ })).toContainText(ENTERPRISE.name);
        if (width === 390) await expectAccessible(page);
      }
      // 我的 leads to everything personal, sign-out included.
      for (const name of lang.account) await expect(page.getByRole('link', { name })).toBeVisible();
      await expect(page.getByRole('button', { name: lang.signOut })).toBeVisible();
      await expect(page.getByRole('region', { name: /办事身份|Acting for/ }).getByRole('link', { name: lang.switchLabel })).toBeVisible();
    }
  }
  // The tab bar goes where it says.
  await page.evaluate(() => localStorage.setItem('yiwang.lang', 'zh-CN'));
  await page.goto('/');
  const bar = page.getByRole('navigation', { name: '快捷导航' });
  await bar.getByRole('link', { name: '办事' }).click();
  await expect(page).toHaveURL(/\/items$/);
  await bar.getByRole('link', { name: '我的' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(bar.getByRole('link', { name: '我的' })).toHaveAttribute('aria-current', 'page');
});

test('search finds services by the words people use, and a search that finds nothing suggests what is near', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('搜索事项').fill('社保');
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page.locator('.item-card').first()).toContainText(/社会保险|参保/);
  await expectNoSidewaysScroll(page);

  // The filters fold behind a button, so that results start on the first screen.
  await expect(page.getByLabel('服务对象')).toBeHidden();
  await page.getByRole('button', { name: '筛选' }).click();
  await page.getByLabel('服务对象').selectOption('person');
  await expect(page.getByRole('button', { name: '筛选（1）' })).toBeVisible();
  await expect(page.getByText('共 2 个事项')).toBeVisible();

  await page.goto('/items?q=shiyejin');
  await expect(page.locator('.item-card').first()).toContainText('失业保险金申领');

  await page.goto('/items?q=排污许可证补发');
  await expect(page.getByText('共 0 个事项')).toBeVisible();
  await expect(page.getByRole('heading', { name: '您是不是要找' })).toBeVisible();
  await expect(page.getByRole('link', { name: /排污许可证核发/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: '按主题查找' })).toBeVisible();
  await expectNoSidewaysScroll(page);
  await expectAccessible(page);
});

test('长辈模式: large type, a simple home page, remembered on the device, and a journey in it', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 780 });
  await page.goto('/');
  const normal = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  await page.getByRole('button', { name: '长辈模式' }).click();
  await expect(page.getByRole('button', { name: '长辈模式' })).toHaveAttribute('aria-pressed', 'true');
  const large = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  expect(large).toBeGreaterThanOrEqual(18);
  expect(large).toBeGreaterThan(normal);
  await expect(page.getByRole('heading', { name: '常用服务' })).toBeVisible();
  await expect(page.getByRole('link', { name: '城乡居民基本养老保险参保登记' })).toBeVisible();
  await expectNoSidewaysScroll(page);
  await expectAccessible(page);

  // Remembered: the next visit starts large before the app has run.
  await page.reload();
  await expect(page.locator('html')).toHaveClass(/elderly/);
  await expect(page.getByRole('heading', { name: '常用服务' })).toBeVisible();

  // A journey: from the home page to a guide, and a search, in both languages.
  await page.getByRole('link', { name: '居住证申领' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('居住证申领');
  await expectNoSidewaysScroll(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.goto('/items?q=residence');
  await expect(page.locator('.item-card').first()).toContainText('residence permit');
  await expectNoSidewaysScroll(page);
  await page.getByRole('button', { name: 'Large text' }).click();
  await expect(page.locator('html')).not.toHaveClass(/elderly/);
});

test('长辈模式: a newcomer finds a service, registers on the way, applies and follows the case, in large type at 360 px', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.addInitScript(() => localStorage.setItem('yiwang.elderly', '1'));
  await page.goto('/');
  await expect(page.locator('html')).toHaveClass(/elderly/);
  await expect(page.getByRole('heading', { name: '常用服务' })).toBeVisible();

  // Found by the word people use, from the simple home page's search.
  await page.getByLabel('搜索事项').fill('就业');
  await page.getByRole('button', { name: '搜索', exact: true }).click();
  await page.getByRole('link', { name: /就业创业证申领/ }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('就业创业证申领');
  await page.getByRole('link', { name: '在线申办' }).click();
  // Signed out: both ways in are offered, and registering comes back to the form.
  await page.getByRole('link', { name: '注册账户' }).click();
  await expect(page).toHaveURL(/\/register\?next=/);
  await expectNoSidewaysScroll(page);
  const mobile = newMobile();
  await page.getByLabel('身份证号码', { exact: true }).fill(newResidentId());
  await page.getByLabel('姓名').fill('长辈测试');
  await page.getByLabel('手机号码').fill(mobile);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await page.getByLabel('短信验证码').fill(await codeSentTo(mobile));
  await page.getByLabel('密码').fill('elderly password 1');
  await page.getByLabel('我已阅读并同意《身份证号码处理授权》').check();
  await expectNoSidewaysScroll(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: '注册并登录' }).click();
  await expect(page).toHaveURL(/\/apply\?items=DG-GR-0011$/);

  // The form in large type: every control at least 44 px high (a check box or radio button by
  // its label, which is what takes the tap), nothing wider than the screen.
  await page.getByLabel('联系电话').fill(mobile);
  await page.getByLabel('联系地址').fill('东莞市莞城街道市府路1号');
  await page.getByLabel('就业状态').selectOption('unemployed');
  await uploadEveryMaterial(page);
  for (const control of await page.locator('main input:not([type=file]):not([type=checkbox]):not([type=radio]), main select, main button, main label.choice').all()) {
    if (await control.isVisible()) {
      const box = await control.boundingBox();
      expect(box?.height ?? 0, await control.evaluate((e) => e.outerHTML.slice(0, 80))).toBeGreaterThanOrEqual(44);
    }
  }
  await expectNoSidewaysScroll(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: '提交申请' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('申办回执');
  await expectNoSidewaysScroll(page);

  await page.getByRole('link', { name: '查看进度' }).first().click();
  await expect(page.locator('.case-status')).toContainText('待受理');
  await expectNoSidewaysScroll(page);
  await expectAccessible(page);
});

test('the home page does not jump when the app starts, and a signed-out visit logs no error', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.addInitScript(() => {
    (window as unknown as { cls: number }).cls = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!e.hadRecentInput) (window as unknown as { cls: number }).cls += e.value;
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  for (const path of ['/', '/items', '/progress']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.waitForLoadState('networkidle');
    const cls = await page.evaluate(() => (window as unknown as { cls: number }).cls);
    expect(cls, `cumulative layout shift of ${path}`).toBeLessThanOrEqual(0.1);
  }
  expect(errors).toEqual([]);
});
