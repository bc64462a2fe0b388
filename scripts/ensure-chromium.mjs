// Before the test suite: the dashboard's browser test drives Debian's Chromium. Where it is missing and
// this user may install packages (root with apt-get, as on CI), install it; otherwise say how.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');

function aptInstall() {
  const run = (args) =>
    execFileSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    run(['install', '-y', '--no-install-recommends', 'chromium']);
  } catch {
    run(['update']);
    run(['install', '-y', '--no-install-recommends', 'chromium']);
  }
}

if (!existsSync(CHROMIUM)) {
  if (canApt) {
    console.log('Chromium is missing: installing it with apt-get for the dashboard browser test…');
    aptInstall();
  } else {
    console.warn(
      `Chromium not found at ${CHROMIUM}; the dashboard browser test will be SKIPPED. ` +
        'Install it with `sudo apt-get install chromium` to run it.',
    );
  }
}
