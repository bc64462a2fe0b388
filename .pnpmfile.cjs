// Native addons (better-sqlite3) fall back to node-gyp when no prebuilt binary can be downloaded.
// node-gyp then downloads Node's headers too, unless told where the installed ones are: on machines
// without internet access but with Node's headers installed (Debian's nodejs), point it at them.
const fs = require('node:fs');

function installedHeadersDir() {
  const header = '/usr/include/node/node_version.h';
  if (!fs.existsSync(header)) return undefined;
  const text = fs.readFileSync(header, 'utf8');
  const part = (name) => (text.match(new RegExp(`#define ${name} (\\d+)`)) || [])[1];
  const version = `v${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
  return version === process.version ? '/usr' : undefined;
}

module.exports = {
  hooks: {
    updateConfig(config) {
      const nodedir = installedHeadersDir();
      if (!nodedir) return config;
      return { ...config, extraEnv: { ...config.extraEnv, npm_config_nodedir: nodedir } };
    },
  },
};
