/**
 * secretlint's recommended rule preset (@secretlint/secretlint-rule-preset-recommend,
 * MIT), run on a file's text. Chosen over gitleaks'
 * rules (see the README, "Secrets"): it is published on npm as code that runs
 * unchanged in a worker and in Node, its patterns are written for JavaScript's
 * regex engine with bounded quantifiers (its authors reviewed them for ReDoS),
 * and its rules already drop well-known look-alikes (AWS's documented example
 * keys, PEM blocks whose body is not base64 key material, basic-auth URLs with
 * placeholder users or passwords). Pinned to 12.0.0, the last release that
 * supports Node 20.
 *
 * Settings:
 *  - the AWS rule's access-key-id scan is on (an AKIA… id is half of a credential
 *    pair); its "account id" message is allowed (account ids are not secret);
 *  - the filter-comments rule is off: a `secretlint-disable` comment inside an
 *    image must not silence the audit of that image.
 */
import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintRuleContext, SecretLintRuleCreator, SecretLintRuleReportDescriptor, SecretLintSourceCode } from '@secretlint/types';

const RULE_PREFIX = '@secretlint/secretlint-rule-';
const FILTER_COMMENTS = '@secretlint/secretlint-rule-filter-comments';

/** Per-rule options, as a .secretlintrc would give them. */
const RULE_OPTIONS: Record<string, Record<string, unknown>> = {
  '@secretlint/secretlint-rule-aws': { enableIDScanRule: true },
};
/** Messages not reported (secretlint's `allowMessageIds`). */
const ALLOWED_MESSAGES = new Set(['@secretlint/secretlint-rule-aws/AWSAccountID']);

interface Reported {
  ruleId: string;
  messageId: string;
  range: readonly [number, number];
  data: Record<string, unknown> | undefined;
}

/**
 * The preset's rules driven directly through secretlint's rule API
 * (SecretLintRuleCreator: create(context, options) → { file(source) }), not
 * through @secretlint/core's lintSource: that one builds a line index, an event
 * emitter and profiler marks per file and cost ~0.5 ms a file plus ~0.3 s to
 * load; the rules need only `report` and `createTranslator` (their message text
 * is not used: it embeds the secret). Rules are instantiated once.
 */
let current: Reported[] = [];
const handlers: { id: string; file: (source: SecretLintSourceCode) => void | Promise<void> }[] = [];
function instantiate(): void {
  if (handlers.length) return;
  for (const rule of presetRules as SecretLintRuleCreator[]) {
    const id = rule.meta.id;
    if (id === FILTER_COMMENTS) continue;
    const context = {
      sharedOptions: {},
      createTranslator: () => (messageId: string, data?: Record<string, unknown>) => ({ message: '', messageId, data }),
      report: (d: SecretLintRuleReportDescriptor) => {
        const m = d.message as unknown as { messageId: string; data?: Record<string, unknown> };
        if (!ALLOWED_MESSAGES.has(`${id}/${m.messageId}`)) current.push({ ruleId: id, messageId: m.messageId, range: d.range, data: m.data });
      },
      ignore: () => {},
    } as unknown as SecretLintRuleContext;
    const h = rule.create(context, (RULE_OPTIONS[id] ?? {}) as never) as { file?: (source: SecretLintSourceCode) => void | Promise<void> };
    if (h.file) handlers.push({ id, file: h.file.bind(h) });
  }
}

/** Human titles of the preset's messages (its own messages embed the secret, so they are not shown). */
const TITLES: Record<string, string> = {
  AWSAccessKeyID: 'AWS access key ID',
  AWSSecretAccessKey: 'AWS secret access key',
  PrivateKey: 'private key',
  PrivateKeyJSON: 'GCP service account key (JSON)',
  PrivateKeyP12: 'GCP service account key (p12)',
  Npmrc_authToken: 'npm auth token in .npmrc',
  NPM_ACCESS_TOKEN: 'npm access token',
  PackageJSON_xOauthToken: 'GitHub token in a URL',
  BasicAuth: 'credentials in a URL (basic auth)',
  SLACK_TOKEN: 'Slack token',
  IncomingWebhook: 'Slack incoming webhook',
  SENDGRID_KEY: 'SendGrid API key',
  SHOPIFY_KEY: 'Shopify access token',
  GITHUB_TOKEN: 'GitHub token',
  GITLAB_PERSONAL_ACCESS_TOKEN: 'GitLab personal access token',
  OPENAI_TOKEN: 'OpenAI API key',
  ANTHROPIC_API_KEY: 'Anthropic API key',
  GROQ_API_KEY: 'Groq API key',
  HUGGINGFACE_USER_ACCESS_TOKEN: 'Hugging Face access token',
  LINEAR_API_TOKEN: 'Linear API key',
  NOTION_INTEGRATION_TOKEN: 'Notion integration token',
  OPS_TOKEN: '1Password service account token',
  MongoDBConnection: 'MongoDB connection string with a password',
  MySQLConnection: 'MySQL connection string with a password',
  PostgreSQLConnection: 'PostgreSQL connection string with a password',
  HASHICORP_VAULT_SERVICE_TOKEN: 'HashiCorp Vault service token',
  HASHICORP_VAULT_BATCH_TOKEN: 'HashiCorp Vault batch token',
  HASHICORP_VAULT_RECOVERY_TOKEN: 'HashiCorp Vault recovery token',
  DATABRICKS_PERSONAL_ACCESS_TOKEN: 'Databricks access token',
  DOCKER_PERSONAL_ACCESS_TOKEN: 'Docker personal access token',
  FIGMA_PERSONAL_ACCESS_TOKEN: 'Figma access token',
  GRAFANA_CLOUD_API_TOKEN: 'Grafana Cloud API token',
  GRAFANA_SERVICE_ACCOUNT_TOKEN: 'Grafana service account token',
  VERCEL_PERSONAL_ACCESS_TOKEN: 'Vercel access token',
  VERCEL_INTEGRATION_TOKEN: 'Vercel integration token',
  VERCEL_APP_ACCESS_TOKEN: 'Vercel app access token',
  VERCEL_APP_REFRESH_TOKEN: 'Vercel app refresh token',
  VERCEL_AI_GATEWAY_API_KEY: 'Vercel AI Gateway key',
};

export interface Match {
  rule: string;
  title: string;
  value: string;
  start: number;
  end: number;
}

function titleOf(messageId: string): string {
  return TITLES[messageId] ?? messageId.replace(/_/g, ' ').toLowerCase();
}

function extOf(path: string): string {
  const b = path.slice(path.lastIndexOf('/') + 1);
  const d = b.lastIndexOf('.');
  return d > 0 ? b.slice(d) : '';
}

/**
 * The secret itself out of a report: a data value that occurs in the text (the
 * rules pass the matched secret as a message parameter; the AWS secret rule's
 * range is off — it starts at the assignment but has the key's length), else
 * the reported range. For a GCP key file the range is the whole file: the
 * private key is the secret.
 */
function secretOf(content: string, range: [number, number], data: Record<string, unknown> | undefined, messageId: string): { value: string; start: number } {
  if (messageId === 'PrivateKeyJSON') {
    try {
      const j = JSON.parse(content) as Record<string, unknown>;
      if (typeof j.private_key === 'string') {
        const at = content.indexOf('"private_key"');
        return { value: j.private_key, start: Math.max(0, at) };
      }
    } catch {
      // fall through to the range
    }
  }
  let best: { value: string; start: number } | null = null;
  for (const v of Object.values(data ?? {})) {
    if (typeof v !== 'string' || v.length < 4) continue;
    const at = content.indexOf(v, Math.max(0, range[0] - v.length));
    if (at >= 0 && (!best || v.length > best.value.length)) best = { value: v, start: at };
  }
  return best ?? { value: content.slice(range[0], range[1]), start: range[0] };
}

/** secretlint's findings in one text file (path: for the rules that look at the name or extension). */
export async function secretlintScan(path: string, content: string): Promise<Match[]> {
  instantiate();
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  const source = { content: text, filePath: path, ext: extOf(path), contentType: 'text' } as unknown as SecretLintSourceCode;
  // All rules run synchronously, with no await between them: `current` then belongs to this call even
  // when several files are scanned concurrently. Only the GCP rule's .p12 check is asynchronous (it
  // reads the file from disk by path); binary files are never passed here, so it does not run.
  const found: Reported[] = [];
  current = found;
  try {
    for (const h of handlers) {
      const r = h.file(source);
      if (r instanceof Promise) r.catch(() => {});
    }
  } finally {
    current = [];
  }
  const out: Match[] = [];
  for (const m of found) {
    const { value, start } = secretOf(text, m.range as [number, number], m.data, m.messageId);
    const short = m.ruleId.startsWith(RULE_PREFIX) ? m.ruleId.slice(RULE_PREFIX.length) : m.ruleId;
    out.push({ rule: `secretlint/${short}/${m.messageId}`, title: titleOf(m.messageId), value, start, end: start + value.length });
  }
  return out;
}
