// Filling the one form in a journey: the materials still to upload.
import { expect, type Page } from '@playwright/test';

/** A one-pixel PNG: its content signature is what the server checks, not its name. */
export function png(name: string) {
  return {
    name,
    mimeType: 'image/png',
    buffer: Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    ),
  };
}

/** Uploads a picture for every material the form asks to upload, and waits until each is up. */
export async function uploadEveryMaterial(page: Page, name = '材料.png'): Promise<number> {
  const uploads = page.locator('.material input[type=file]:not([capture])');
  const count = await uploads.count();
  for (let i = 0; i < count; i++) {
    await uploads.nth(i).setInputFiles(png(name));
  }
  await expect(page.locator('.file-list').getByRole('button', { name: '移除' })).toHaveCount(count);
  return count;
}
