/** One line per command for the general usage. */
export const COMMAND_SUMMARIES: Record<string, string> = {
  init: 'create the site folder: identity key (0600) and client.yaml',
  enroll: 'enroll with the coordinator using the operator’s one-time token',
  check: 'load the site data and print the load report',
  start: 'run the site daemon (train and evaluate when the coordinator asks)',
  status: 'show enrollment, pinned fingerprint, stored models and recent rounds',
  evaluate: 'evaluate a stored global model on the local test split',
};

/** Usage text of each command. */
export const COMMAND_HELP: Record<string, string> = {
  init: `Usage: fedfuse-client init --dir DIR [--name NAME] [--data SITE_YAML]

Creates DIR, the site identity DIR/site.key (mode 0600) and DIR/client.yaml.
Refuses to overwrite an existing key: a new key means enrolling the site again.

  --dir DIR         site folder to create
  --name NAME       site name shown to the operator (default: the folder name)
  --data SITE_YAML  the site data config (see docs/site-admin-guide.md); can be set later in client.yaml`,
  enroll: `Usage: fedfuse-client enroll --coordinator URL [--token-file PATH] [--dir DIR] [--force]

Sends the site's public keys with the operator's one-time token, prints the coordinator's fingerprint and
saves the coordinator keys in DIR/enrollment.json. Compare the fingerprint with the operator out of band.

  --coordinator URL  coordinator address, e.g. https://fl.example.org
  --token-file PATH  file holding the one-time enrollment token from the operator
                     (or FEDFUSE_ENROLLMENT_TOKEN / FEDFUSE_ENROLLMENT_TOKEN_FILE in the environment)
  --token TOKEN      the token itself; warns, as every local user sees it in ps
  --dir DIR          site folder (default: $FEDFUSE_DIR or the current folder)
  --force            enroll again although DIR/enrollment.json exists`,
  check: `Usage: fedfuse-client check [--dir DIR]

Loads the site data named in DIR/client.yaml and prints the load report: files, patients per modality and
per combination of modalities, the train/test split, and every rejected row with file, line and reason.
Exits with 1 when the data cannot be loaded.`,
  start: `Usage: fedfuse-client start [--dir DIR] [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu] [--log json|pretty]

Runs the site daemon: connects to the coordinator, authenticates, trains and evaluates when asked.
Stops cleanly on SIGINT/SIGTERM (exit 0); exits with 3 when the coordinator refuses the site for good
(revoked, unknown, wrong coordinator key).

  --backend NAME           tfjs backend (default: client.yaml's, normally auto)
  --log json|pretty        log format (default: pretty on a terminal, json otherwise)
  --reconnect-delay MS     first reconnection delay (default 500, env FEDFUSE_RECONNECT_DELAY_MS)
  --reconnect-delay-max MS reconnection delay cap (default 5000, env FEDFUSE_RECONNECT_DELAY_MAX_MS)`,
  status: `Usage: fedfuse-client status [--dir DIR] [--json]

Shows the enrollment and pinned coordinator fingerprint, the models in the local store, results waiting to
be sent and the last round trained and evaluated. Needs no network.`,
  evaluate: `Usage: fedfuse-client evaluate --model HASH_OR_PATH [--dir DIR] [--spec SPEC_JSON] [--bins N] [--backend NAME]

Evaluates a global model on the site's held-out split and prints per-task metrics.

  --model HASH_OR_PATH  a model hash (or unique prefix) from the local store, a .ffwt file, or a
                        checkpoint's model.json from the coordinator (its weights file beside it)
  --spec SPEC_JSON      the model's ModelSpec, for a file outside the store without a .json next to it
  --backend NAME        tfjs backend (default: client.yaml's)`,
};

/** The general usage text. */
export function generalHelp(): string {
  const width = Math.max(...Object.keys(COMMAND_SUMMARIES).map((c) => c.length));
  const lines = Object.entries(COMMAND_SUMMARIES).map(([c, s]) => `  ${c.padEnd(width)}  ${s}`);
  return [
    'Usage: fedfuse-client <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'fedfuse-client <command> --help' for a command's options.",
  ].join('\n');
}
