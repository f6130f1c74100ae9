// 市民 — a citizen on a phone or a desktop finds a service and reads its guide, in Chinese and in English.
import { expect, test } from '@playwright/test';
import { expectAccessible } from './a11y';

test('a citizen searches for a service, reads its guide and switches to English', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('一门式一网式政务服务');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expectAccessible(page);

  await page.getByLabel('搜索事项').fill('居住证');
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/\/items\?q=/);
  const card = page.getByRole('link', { name: /居住证申领/ });
  await expect(card).toBeVisible();
  await expectAccessible(page);

  await card.click();
  await expect(page).toHaveURL(/\/items\/DG-GR-0002$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('居住证申领');
  for (const section of ['受理条件', '申请材料', '办理时限', '收费标准', '办理方式和地点', '设定依据']) {
    await expect(page.getByRole('heading', { name: section })).toBeVisible();
  }
  await expect(page.getByText('电子证照库可提供，无需提交').first()).toBeVisible();
  // 审批流程图: acceptance, the department's steps with their roles and days, conclusion.
  await expect(page.getByRole('heading', { name: '审批流程图' })).toBeVisible();
  await expect(page.locator('.guide-flow li')).toHaveText([/^受理/, /^承办 · 承办/, /^审核 · 审核/, /^批准 · 批准/, /^办结/]);
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Switch to English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Application for a residence permit');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  for (const section of ['Conditions for acceptance', 'Materials', 'Time limits', 'Fees', 'How and where to apply', 'Legal basis']) {
    await expect(page.getByRole('heading', { name: section })).toBeVisible();
  }
  await expect(page.getByText('Supplied by the e-license library: no need to bring it').first()).toBeVisible();
  await expect(page.getByText('Free of charge')).toBeVisible();
  await expectAccessible(page);

  // The language is remembered on the next visit.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Application for a residence permit');
  await page.getByRole('button', { name: '切换到中文' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('居住证申领');
});

test('the home page and the guides run on the small guides bundle; applying loads the full app', async ({ page }) => {
  const wasm: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('_bg.wasm')) wasm.push(path);
  });
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('一门式一网式政务服务');
  expect(wasm).toEqual(['/guides_bg.wasm']);

  // Moving among the guides stays within the page, back and forward too: nothing is loaded
  // again, and a guide fetches the full app ahead, at low priority, for the step it leads to.
  await page.evaluate(() => { (window as unknown as { samePage: boolean }).samePage = true; });
  await page.getByLabel('搜索事项').fill('印章');
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/\/items\?q=%E5%8D%B0%E7%AB%A0$/);
  await expect(page.locator('.site-nav a[aria-current="page"]')).toHaveAttribute('href', '/items');
  // The same search again shows the same address, and adds no step to go back through.
  await page.getByRole('button', { name: '搜索' }).click();
  await page.getByRole('link', { name: /公章刻制备案/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('公章刻制备案');
  await page.goBack();
  await expect(page).toHaveURL(/\/items\?q=%E5%8D%B0%E7%AB%A0$/);
  await expect(page.getByLabel('搜索事项')).toHaveValue('印章');
  await page.goForward();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('公章刻制备案');
  expect(await page.evaluate(() => (window as unknown as { samePage?: boolean }).samePage)).toBe(true);
  await page.goBack();
  await page.goBack();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('一门式一网式政务服务');
  await page.goForward();
  await page.goForward();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('公章刻制备案');
  await expect.poll(() => wasm).toEqual(['/guides_bg.wasm', '/app_bg.wasm']);

  // A link out of the guides loads that page with the full app, whose pages the guides lack.
  await page.getByRole('link', { name: '在线申办' }).click();
  await expect(page).toHaveURL(/\/apply\?items=DG-QY-0004$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('在线申办');
  await expect(page.getByText('请先登录后查看。')).toBeVisible();

  // Back on the guide, the guides bundle runs it again.
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('公章刻制备案');
  await page.goto('/progress');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('办件进度查询');
  expect(wasm.slice(-1)).toEqual(['/app_bg.wasm']);
});

test('filters narrow the catalogue and the pager moves through it', async ({ page }) => {
  await page.goto('/items');
  await expect(page.getByText('共 24 个事项')).toBeVisible();
  await expect(page.getByRole('navigation', { name: '分页' })).toContainText('第 1 页 / 2');
  await page.getByRole('link', { name: '下一页' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.locator('.item-card')).toHaveCount(4);

  // On a phone the filters fold behind a button.
  const filters = page.getByRole('button', { name: /^筛选/ });
  if (await filters.isVisible()) await filters.click();
  await page.getByLabel('服务对象').selectOption('enterprise');
  await expect(page.getByText('共 13 个事项')).toBeVisible();
  await expect(page).not.toHaveURL(/page=/);
  await page.getByLabel('主题').selectOption('enterprise_setup');
  await expect(page).toHaveURL(/theme=enterprise_setup/);
  await expect(page.getByRole('link', { name: /企业设立登记/ })).toBeVisible();
  await expectAccessible(page);
});

test('an unknown item code says the item does not exist', async ({ page }) => {
  await page.goto('/items/DG-XX-0000');
  await expect(page.getByRole('alert')).toContainText('没有找到这个事项');
});

test('when the server cannot be reached the page says so and can try again', async ({ page }) => {
  const catalogueCalls = (url: URL) => url.pathname === '/api/v1/items';
  await page.route(catalogueCalls, (route) => route.abort('connectionrefused'));
  await page.goto('/items');
  await expect(page.getByRole('alert')).toContainText('无法连接服务器');
  await page.unroute(catalogueCalls);
  await page.getByRole('button', { name: '重试' }).click();
  await expect(page.getByText('共 24 个事项')).toBeVisible();
});

test('a page that does not exist says so', async ({ page }) => {
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('页面不存在');
  await page.getByRole('link', { name: '回到首页' }).click();
  await expect(page).toHaveURL(/\/$/);
});
