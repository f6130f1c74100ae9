// 办事工作日制度与效能监察 — a founder files a company registration (promised in one working
// day); the front desk accepts it; the market regulator's undertaker reads its deadline, stops the
// clock for an on-site inspection and restarts it; an approver extends the limit; the applicant
// reads the due date in plain words. Then the server's clock moves ten days on: the scan raises a
// yellow and a red card, which the supervisor's dashboard shows without a reload; the department
// answers the red card, and the supervisor resolves it.
// A catalogue administrator first enters the next year's holiday notice. These journeys have a
// server of their own (started with --test-clock), so moving its clock lapses no other journey's
// session.
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { uploadEveryMaterial } from './forms';
import { APPROVER, CATALOGUE_ADMIN, CLERK, SUPERVISOR, UNDERTAKER, personPage } from './identity-helpers';

const FOUNDER = { id: '441900198812314688', name: '陈敏' };

/** The action form of the console's case page whose heading is `action`. */
function actionForm(page: Page, action: string) {
  return page.locator('.action-form').filter({ has: page.getByRole('heading', { name: action, exact: true }) });
}

// The journeys of this file share one server, whose clock the last of them moves: they run in
// order.
test.describe.configure({ mode: 'serial' });
test('a catalogue administrator enters the next year\'s holiday notice, and its calendar counts it', async ({ browser }) => {
  const admin = await personPage(browser, CATALOGUE_ADMIN.id, CATALOGUE_ADMIN.secret);
  await admin.goto('/console/calendar');
  const next = String(new Date().getFullYear() + 1);
  await admin.getByRole('tab', { name: next }).click();
  await expect(admin.getByTestId('calendar-summary')).toContainText('尚未录入');
  await admin.getByLabel('通知文号及发布日期').fill(`国务院办公厅关于${next}年部分节假日安排的通知（测试）`);
  await admin.getByRole('button', { name: '添加假期' }).click();
  await admin.getByLabel('名称', { exact: true }).fill('元旦');
  await admin.getByLabel('英文名称').fill("New Year's Day");
  await admin.getByLabel('起').fill(`${next}-01-01`);
  await admin.getByLabel('止').fill(`${next}-01-03`);
  // A make-up day on a weekday is refused, naming the field.
  await admin.getByRole('button', { name: '添加调休上班日' }).click();
  await admin.getByLabel('日期', { exact: true }).fill(`${next}-01-05`);
  await admin.getByRole('button', { name: '保存节假日安排' }).click();
  await expect(admin.getByRole('alert')).toContainText('调休上班日须是周六或周日');
  await admin.getByRole('button', { name: '删除' }).last().click();
  await admin.getByRole('button', { name: '保存节假日安排' }).click();
  await expect(admin.getByTestId('calendar-summary')).toContainText(`依据：国务院办公厅关于${next}年部分节假日安排的通知（测试）`);
  await expect(admin.locator('.day--off').first()).toHaveAttribute('title', new RegExp(`${next}-01-01 元旦`));
  await expectAccessible(admin);
});

test('a case is paused and extended, goes red when its limit passes, and the red card is resolved by supervision', async ({ browser }) => {
  test.setTimeout(240_000);
  const founder = await personPage(browser, FOUNDER.id);
  await founder.goto('/apply?items=DG-QY-0001');
  await founder.getByLabel('您在新企业中的身份').selectOption('本人担任法定代表人');
  await founder.getByLabel('企业名称', { exact: true }).fill('东莞市准时科技有限公司');
  await founder.getByLabel('企业类型').selectOption({ index: 2 });
  await founder.getByLabel('注册资本（万元）').fill('100');
  await founder.getByLabel('住所', { exact: true }).fill('东莞市松山湖高新区科技九路1号');
  await founder.getByLabel('住所产权类型').selectOption('owned');
  await founder.getByLabel('联系电话').fill('0769-22223333');
  await founder.getByLabel('经营范围', { exact: true }).fill('软件开发');
  await uploadEveryMaterial(founder);
  await founder.getByRole('button', { name: '提交申请' }).click();
  await expect(founder.getByRole('heading', { level: 1 })).toHaveText('申办回执');
  const caseNo = (await founder.locator('.case-no').first().textContent())?.trim() ?? '';

  const clerk = await personPage(browser, CLERK.id, CLERK.secret);
  await clerk.goto(`/console/cases/${caseNo}`);
  await actionForm(clerk, '受理').getByRole('button', { name: '受理', exact: true }).click();
  await expect(clerk.locator('.case-status')).toHaveText('承办中');

  // One working day promised: within the warning threshold from the start.
  const undertaker = await personPage(browser, UNDERTAKER.id, UNDERTAKER.secret);
  await undertaker.goto(`/console/cases/${caseNo}`);
  const panel = undertaker.locator('section.deadline');
  await expect(panel).toContainText('承诺 1 个工作日');
  await expect(panel.locator('.badge')).toHaveText('黄牌预警');
  await panel.getByText('时限如何计算').click();
  await expect(panel.locator('.deadline__explanation')).toContainText('受理当日不计入');

  const pause = actionForm(undertaker, '中止计时');
  await pause.getByLabel('中止事由').selectOption('on_site_inspection');
  await pause.getByLabel('中止计时的理由').fill('需现场核查经营场所');
  await pause.getByRole('button', { name: '中止计时', exact: true }).click();
  await expect(panel.locator('.badge')).toHaveText('暂停计时');
  await expect(panel.locator('.deadline__paused')).toContainText('因现场核查暂停计时：需现场核查经营场所');
  await expect(actionForm(undertaker, '承办完成')).toHaveCount(0);
  await expectAccessible(undertaker);
  await actionForm(undertaker, '恢复计时').getByRole('button', { name: '恢复计时', exact: true }).click();
  await expect(panel.locator('.badge')).toHaveText('黄牌预警');

  const approver = await personPage(browser, APPROVER.id, APPROVER.secret);
  await approver.goto(`/console/cases/${caseNo}`);
  const extend = actionForm(approver, '延期');
  await extend.getByLabel('延期工作日数（1–30）').fill('2');
  await extend.getByLabel('延期理由').fill('需补充核查材料');
  await extend.getByRole('button', { name: '延期', exact: true }).click();
  await expect(approver.locator('section.deadline')).toContainText('已经批准延期 2 个工作日：需补充核查材料');

  // The applicant reads the due date in plain words.
  await founder.goto(`/cases/${caseNo}`);
  await expect(founder.locator('section.deadline')).toContainText(/最迟于 \d{4}年\d{1,2}月\d{1,2}日（星期.） 24:00 前办结/);

  // The supervisor watches the dashboard; ten days on, the scan raises a yellow and a red card,
  // which it shows without a reload.
  const watching = await personPage(browser, SUPERVISOR.id, SUPERVISOR.secret);
  await watching.goto('/console/supervision');
  await expect(watching.getByTestId('link')).toContainText('实时更新');
  await expect(watching.getByTestId('red-cases')).toHaveText('0');
  await expect(watching.locator('.card-item').filter({ hasText: caseNo })).toHaveCount(0);
  await expectAccessible(watching);
  const moved = await clerk.request.post('/api/v1/test/clock', { data: { advance_seconds: 10 * 86_400 } });
  expect(moved.ok()).toBeTruthy();
  const { now, raised } = await moved.json();
  expect(raised).toHaveLength(2);
  const offset = Date.parse(now) - Date.now();
  await expect(watching.locator('.card-item--red').filter({ hasText: caseNo })).toContainText('超过办结时限');
  await expect(watching.getByTestId('red-cases')).toHaveText('1');
  await expect(watching.locator('.chart')).toHaveCount(3);
  const download = watching.waitForEvent('download');
  await watching.getByRole('link', { name: '导出 CSV' }).first().click();
  expect((await download).suggestedFilename()).toBe('on-time.csv');

  const department = await personPage(browser, UNDERTAKER.id, UNDERTAKER.secret, offset);
  await department.goto('/console/cards');
  const red = department.locator('.card-item--red').filter({ hasText: caseNo });
  await expect(red).toContainText('超过办结时限');
  await expect(department.locator('.card-item--yellow').filter({ hasText: caseNo })).toContainText('临近办结时限');
  await red.getByLabel('督办答复').fill('现场核查排期延误，已加派人员');
  await red.getByRole('button', { name: '督办答复' }).click();
  await expect(red.locator('.badge')).toHaveText('待确认');

  // The supervisor signed in before the clock moved; their session lapsed with the ten days.
  const supervisor = await personPage(browser, SUPERVISOR.id, SUPERVISOR.secret, offset);
  await supervisor.goto('/console/cards');
  const answered = supervisor.locator('.card-item--red').filter({ hasText: caseNo });
  await expect(answered).toContainText('现场核查排期延误，已加派人员');
  await answered.getByLabel('监察意见').fill('同意，督办办结');
  await answered.getByRole('button', { name: '确认办结' }).click();
  await expect(supervisor.locator('.card-item--red').filter({ hasText: caseNo })).toHaveCount(0);
  await supervisor.getByRole('tab', { name: '已办结' }).click();
  await expect(supervisor.locator('.card-item--red').filter({ hasText: caseNo })).toContainText('同意，督办办结');
  await expectAccessible(supervisor);
});
