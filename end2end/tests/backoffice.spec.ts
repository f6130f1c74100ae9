// 后台审批 — the company-setup bundle from filing to the result at a window: a founder files it
// as a person choosing window pickup; the front desk accepts the registration; the market
// regulator's undertaker, reviewer and approver each act in the staff console; the later cases
// open for the new enterprise; one is sent back for supplement and the founder supplements it;
// the front desk concludes them; the business licence appears in the new enterprise's library,
// whose legal representative the founder now is; and the result is handed over at a window to
// the founder, checked. Desktop only (the console is desktop first), one browser context per
// person.
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { png, uploadEveryMaterial } from './forms';
import {
  APPROVER, CLERK_TWO, REVIEWER, UNDERTAKER, personPage,
} from './identity-helpers';

const AGENT = { id: '441900198812314688', name: '陈敏' };
const NEW_COMPANY = '东莞市新星科技有限公司';
const PHOTO = png('材料.png');

/** Opens a case in the console and takes one action with its comment or reason. */
async function act(page: Page, caseNo: string, action: string, text?: string) {
  await page.goto(`/console/cases/${caseNo}`);
  const form = page.locator('.action-form').filter({ has: page.getByRole('heading', { name: action, exact: true }) });
  if (text) await form.getByRole('textbox').first().fill(text);
  await form.getByRole('button', { name: action, exact: true }).click();
  await expect(page.getByRole('heading', { name: action, exact: true })).toHaveCount(0);
}

test('the company-setup bundle goes from its founder through the front desk and each department to the window', async ({ browser }) => {
  test.setTimeout(240_000);
  const agent = await personPage(browser, AGENT.id);
  await agent.goto('/apply?items=DG-QY-0001,DG-QY-0004,DG-QY-0005,DG-QY-0006');
  await agent.getByLabel('您在新企业中的身份').selectOption('本人担任法定代表人');
  await expect(agent.locator('.field--known').filter({ hasText: '法定代表人姓名' })).toContainText(AGENT.name);
  await agent.getByLabel('企业名称', { exact: true }).fill(NEW_COMPANY);
  await agent.getByLabel('企业类型').selectOption({ index: 2 });
  await agent.getByLabel('注册资本（万元）').fill('100');
  await agent.getByLabel('住所', { exact: true }).fill('东莞市松山湖高新区科技九路1号');
  await agent.getByLabel('住所产权类型').selectOption('rented');
  await agent.getByLabel('联系电话').fill('0769-22223333');
  await agent.getByLabel('经营范围', { exact: true }).fill('软件开发');
  await agent.getByLabel('公章').check();
  await agent.getByLabel('职工人数').fill('12');
  await agent.getByLabel('公积金缴存比例').fill('5');
  await agent.getByLabel('窗口领取').check();
  await agent.getByLabel('领取大厅').selectOption('DG-CITY');
  await uploadEveryMaterial(agent);
  await agent.getByRole('button', { name: '提交申请' }).click();
  await expect(agent.getByRole('heading', { level: 1 })).toHaveText('申办回执');
  // The receipt lists the cases once the submission's answer arrives; wait for all four.
  await expect(agent.locator('.case-no')).toHaveCount(4);
  const caseNos = (await agent.locator('.case-no').allTextContents()).map((s) => s.trim());
  const [registration, seal, insurance, fund] = caseNos;

  // The front desk accepts the registration; the later cases wait for it.
  const clerk = await personPage(browser, CLERK_TWO.id, CLERK_TWO.secret);
  await clerk.goto('/console');
  await expect(clerk.getByRole('tab', { name: /待受理/ })).toBeVisible();
  await expect(clerk.getByRole('link', { name: registration })).toBeVisible();
  await expect(clerk.getByRole('link', { name: seal })).toHaveCount(0);
  await expectAccessible(clerk);
  await act(clerk, registration, '受理');
  await expect(clerk.locator('.case-status')).toHaveText('承办中');

  // The market regulator's three steps, each in the browser with a comment.
  const undertaker = await personPage(browser, UNDERTAKER.id, UNDERTAKER.secret);
  await undertaker.goto('/console');
  await expect(undertaker.getByRole('link', { name: registration })).toBeVisible();
  await undertaker.getByRole('link', { name: registration }).click();
  await expect(undertaker.locator('.facts')).toContainText(NEW_COMPANY);
  await expect(undertaker.locator('.facts .channel')).toHaveText('网上办理');
  await expect(undertaker.locator('.flowchart .current')).toContainText('承办');
  await expectAccessible(undertaker);
  await act(undertaker, registration, '承办完成', '材料齐全，拟准予设立登记');
  const reviewer = await personPage(browser, REVIEWER.id, REVIEWER.secret);
  await act(reviewer, registration, '审核通过', '同意');
  const approver = await personPage(browser, APPROVER.id, APPROVER.secret);
  await act(approver, registration, '批准', '准予设立登记');
  await expect(approver.locator('.case-status')).toHaveText('已办结（准予）');

  // The later cases open for the new enterprise; one is sent back for supplement, all at once.
  await clerk.goto(`/console/cases/${insurance}`);
  await expect(clerk.locator('.subject-uscc')).toHaveText(/^9\d441900\d{8}[0-9A-Z]{2}$/);
  const supplement = clerk.locator('.action-form').filter({ has: clerk.getByRole('heading', { name: '一次性告知补正' }) });
  await supplement.getByRole('checkbox').first().check();
  await supplement.getByRole('textbox', { name: '补正原因' }).fill('单位公章印模不清晰');
  await supplement.getByRole('button', { name: '一次性告知补正' }).click();
  await expect(clerk.locator('.case-status')).toHaveText('待补正材料');

  await agent.goto('/applications');
  await agent.locator(`a[href="/cases/${insurance}"]`).click();
  await expect(agent.getByRole('heading', { name: '请补正以下材料' })).toBeVisible();
  await expect(agent.locator('.supplement')).toContainText('单位公章印模不清晰');
  await agent.locator('.supplement input[type=file]').first().setInputFiles(PHOTO);
  await expect(agent.locator('.supplement').getByText('已上传')).toBeVisible();
  await agent.getByRole('button', { name: '提交补正材料' }).click();
  await expect(agent.locator('.case-status')).toHaveText('已提交，待受理');
  await expect(agent.locator('.notices')).toContainText('补正材料告知书');
  await expectAccessible(agent);

  for (const no of [seal, insurance, fund]) {
    await act(clerk, no, '受理');
    await expect(clerk.locator('.case-status')).toHaveText('已办结（准予）');
  }

  // The business licence is in the new enterprise's library, for its legal representative: the
  // founder.
  const rep = agent;
  await rep.goto('/account');
  const founded = rep.getByRole('listitem').filter({ hasText: NEW_COMPANY });
  await founded.getByRole('button', { name: '以此企业身份办事' }).click();
  // The switch is made on the server before the next page asks for the enterprise's licences.
  await expect(founded.getByText('当前身份')).toBeVisible();
  await rep.goto('/licenses');
  await expect(rep.locator('.item-list').getByText('营业执照')).toBeVisible();

  // The result is handed over at a window, to the legal representative, checked.
  await clerk.goto(`/console/cases/${registration}`);
  const handOver = clerk.locator('.action-form').filter({ has: clerk.getByRole('heading', { name: '窗口出件' }) });
  await handOver.getByLabel('领取人身份证号码').fill(AGENT.id);
  await handOver.getByLabel('领取人姓名').fill('李四');
  await handOver.getByRole('button', { name: '窗口出件' }).click();
  await expect(handOver.getByRole('alert')).toContainText('领取人不是申请人');
  await handOver.getByLabel('领取人姓名').fill(AGENT.name);
  await handOver.getByRole('button', { name: '窗口出件' }).click();
  await expect(clerk.getByRole('heading', { name: '窗口出件' })).toHaveCount(0);
  await expect(clerk.locator('.timeline')).toContainText('办理结果已在窗口领取');
  await expectAccessible(clerk);
});
