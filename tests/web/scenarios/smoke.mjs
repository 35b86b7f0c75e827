// smoke: the application loads under its CSP with no console error, the login screen
// passes axe, a wrong password is refused in Vietnamese, and the demo clerk logs in.
export default async function ({ browser, lib }) {
  const page = await lib.newPage(browser);
  await page.goto(lib.BASE + '/');
  await page.getByRole('heading', { name: 'Phần mềm Một cửa' }).waitFor();
  await lib.axe(page, 'login');
  await lib.shot(page, 'login');
  await page.getByLabel('Tên đăng nhập').fill('tiepnhan.tinh');
  await page.getByLabel('Mật khẩu').fill('sai-mat-khau');
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByText('Tên đăng nhập hoặc mật khẩu không đúng.').waitFor();
  await lib.login(page, 'tiepnhan.tinh');
  await page.locator('#who').getByText('Trần Văn Tiếp Nhận').waitFor();
  lib.noProblems(page, ['401']);
}
