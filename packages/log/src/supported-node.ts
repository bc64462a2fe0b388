// The native modules (better-sqlite3) are built for the Node the install brings (24); an older Node
// crashes on loading them with a segmentation fault instead of an error, so the bins check first.
const MINIMUM = { major: 22, minor: 12 };

/** Why `version` (e.g. process.versions.node) cannot run `program`, or undefined when it can. */
export function unsupportedNodeMessage(program: string, version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const supported = major > MINIMUM.major || (major === MINIMUM.major && minor >= MINIMUM.minor);
  if (supported) return undefined;
  return (
    `${program}: Node.js ${version} is too old: FedFuse needs Node.js ${MINIMUM.major}.${MINIMUM.minor} or newer ` +
    `(24 LTS recommended): run it with the Node 24 that the install brought, node_modules/.bin/node, ` +
    `as the pnpm scripts do.`
  );
}
