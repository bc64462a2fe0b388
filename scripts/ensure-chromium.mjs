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

const skipped = `the dashboard browser test will be SKIPPED (FEDFUSE_REQUIRE_BROWSER=1 makes that a failure)`;

if (!existsSync(CHROMIUM)) {
  if (canApt) {
    console.log('Chromium is missing: installing it with apt-get for the dashboard browser test…');
    try {
      aptInstall();
    } catch (error) {
      // No package mirror is no reason to fail the whole suite; the browser test decides what is required.
      console.warn(`apt-get could not install chromium (${error.message}); ${skipped}.`);
    }
  } else {
    console.warn(
      `Chromium not found at ${CHROMIUM}; ${skipped}. ` +
        'Install it with `sudo apt-get install chromium` to run it.',
    );
  }
}
