/**
 * Secret rules on file texts and image metadata: what they find, what they must
 * leave alone (certificates, READMEs that mention passwords, placeholder and
 * documented example keys, public key fingerprints), and how values are redacted.
 * Token-like strings are made at run time (testkit pseudoRandom) so that the
 * repository holds nothing that looks like a live credential.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pseudoRandom } from '../../../../test/helpers/auditImage';
import { isPlaceholder, isSecretName, secretAssignment } from './assign';
import { redact } from './redact';
import { buildArgsOf, scanMetadata, scanText } from './scan';
import type { ImageInfo } from '../../types';

const rsaPem = () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const ed25519Pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const ghToken = (seed = 7) => `ghp_${pseudoRandom(36, seed)}`;
const rules = async (path: string, text: string) => (await scanText(path, text)).map((f) => f.rule);

describe('file rules', () => {
  it('private keys (PEM), but not certificates', async () => {
    expect(await rules('/root/.ssh/id_rsa', rsaPem())).toEqual(['secretlint/privatekey/PrivateKey']);
    // An Ed25519 PKCS#8 key's body (64 characters) is under secretlint's 100-character floor: our RFC 7468 rule takes it.
    expect(await rules('/app/key.pem', ed25519Pem())).toEqual(['layerscope/pem-private-key']);
    const encrypted = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'x',
    }) as string;
    expect(await rules('/app/enc.pem', encrypted)).toEqual(['layerscope/pem-private-key']);
    const cert = `-----BEGIN CERTIFICATE-----\nMII${pseudoRandom(600, 3, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    expect(await rules('/app/tls/cert.pem', cert)).toEqual([]);
    // A placeholder key in documentation: the body is not base64 key material.
    expect(await rules('/app/docs/id_rsa', '-----BEGIN RSA PRIVATE KEY-----\n...your key here...\n-----END RSA PRIVATE KEY-----\n')).toEqual([]);
  });

  it('cloud and service tokens', async () => {
    const aws = `[default]\naws_access_key_id = AKIA${pseudoRandom(16, 5, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\naws_secret_access_key = ${pseudoRandom(40, 6)}\n`;
    const found = await rules('/root/.aws/credentials', aws);
    expect(found).toContain('secretlint/aws/AWSAccessKeyID');
    expect(found).toContain('secretlint/aws/AWSSecretAccessKey');
    expect(await rules('/app/run.sh', `curl -H "Authorization: token ${ghToken()}" https://api.github.com\n`)).toEqual(['secretlint/github/GITHUB_TOKEN']);
    expect(await rules('/app/ci.yml', `token: glpat-${pseudoRandom(20, 9)}\n`)).toContain('secretlint/gitlab/GITLAB_PERSONAL_ACCESS_TOKEN');
    expect(await rules('/app/pay.py', `stripe.api_key = "sk_live_${pseudoRandom(24, 10)}"\n`)).toEqual(['layerscope/stripe-key']);
    expect(await rules('/app/up.sh', `twine upload -p pypi-AgEIcHlwaS5vcmc${pseudoRandom(60, 11)}\n`)).toEqual(['layerscope/pypi-token']);
    const azure = `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${pseudoRandom(86, 12)}==;EndpointSuffix=core.windows.net`;
    expect(await rules('/app/settings.json', `{"storage": "${azure}"}`)).toEqual(['layerscope/azure-storage-key']);
    const gcp = JSON.stringify({
      type: 'service_account',
      project_id: 'p',
      private_key_id: pseudoRandom(40, 13),
      private_key: rsaPem(),
      client_email: 'x@p.iam.gserviceaccount.com',
    });
    const g = await scanText('/app/sa.json', gcp);
    expect(g.map((f) => f.rule)).toContain('secretlint/gcp/PrivateKeyJSON');
    expect(g.find((f) => f.rule === 'secretlint/gcp/PrivateKeyJSON')!.value).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it('credential files by format', async () => {
    const pw = pseudoRandom(16, 20);
    expect(await scanText('/root/.netrc', `machine api.example.com\n  login deploy\n  password ${pw}\n`)).toMatchObject([
      { rule: 'layerscope/netrc-password', value: pw, line: 3 },
    ]);
    expect(await scanText('/root/.git-credentials', `https://deploy:${pw}@git.example.com\n`)).toMatchObject([
      { rule: 'layerscope/git-credentials', value: pw },
    ]);
    expect(await rules('/root/.npmrc', `//registry.example.com/:_auth=${btoa(`u:${pw}`)}\n`)).toEqual(['layerscope/npmrc-auth']);
    expect(await rules('/root/.npmrc', `//registry.npmjs.org/:_authToken=npm_${pseudoRandom(36, 21)}\n`)).toContain('secretlint/npm/Npmrc_authToken');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an npmrc environment reference, literally
    expect(await rules('/root/.npmrc', '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n')).toEqual([]);
    expect(await scanText('/root/.pypirc', `[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = ${pw}\n`)).toMatchObject([
      { rule: 'layerscope/pypirc-password', value: pw },
    ]);
    const docker = JSON.stringify({ auths: { 'registry.example.com': { auth: btoa(`user:${pw}`) } } });
    expect(await rules('/root/.docker/config.json', docker)).toEqual(['layerscope/docker-config-auth']);
    expect(await rules('/root/.docker/config.json', JSON.stringify({ auths: { 'r.example.com': { auth: btoa('user:') } }, credsStore: 'desktop' }))).toEqual(
      [],
    );
    const kube = `apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: admin\n  user:\n    token: ${pseudoRandom(40, 22)}\n`;
    expect(await rules('/root/.kube/config', kube)).toEqual(['layerscope/kubeconfig-credential']);
  });

  it('.env assignments whose name says credential', async () => {
    const pw = pseudoRandom(14, 30);
    const env = [
      `DB_PASSWORD=${pw}`,
      'DB_HOST=db.internal',
      'DB_PASSWORD_FILE=/run/secrets/db',
      'API_KEY=your-api-key-here',
      'SECRET_KEY=changeme',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a dotenv reference, literally
      'TOKEN=${CI_TOKEN}',
      `export SESSION_SECRET="${pseudoRandom(20, 31)}"`,
      '# PASSWORD=commented-out-value',
      'PUBLIC_KEY=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI',
      '',
    ].join('\n');
    const found = await scanText('/app/.env', env);
    expect(found.map((f) => [f.rule, f.line])).toEqual([
      ['layerscope/env-assignment', 1],
      ['layerscope/env-assignment', 7],
    ]);
    expect(found[0]!.value).toBe(pw);
  });

  it('look-alikes: no findings', async () => {
    const readme = '# App\n\nSet the database password with `DB_PASSWORD=<your password>` and the API token in TOKEN.\nNever commit your password!\n';
    expect(await rules('/app/README.md', readme)).toEqual([]);
    expect(await rules('/app/.env.example', 'API_KEY=your-api-key-here\nDB_PASSWORD=changeme\nSECRET=xxxxxxxx\nTOKEN=<token>\n')).toEqual([]);
    // AWS's documented example credentials (docs.aws.amazon.com, "Understanding and getting your AWS credentials").
    expect(
      await rules('/app/config.json', '{"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}'),
    ).toEqual([]);
    expect(await rules('/etc/nsswitch.conf', 'passwd:         files\ngroup:          files\nshadow:         files\n')).toEqual([]);
    expect(await rules('/app/settings.yml', 'password_min_length: 12\ntoken_ttl: 3600\nkey: id\n')).toEqual([]);
  });
});

describe('names and placeholders', () => {
  it('names', () => {
    for (const n of ['DB_PASSWORD', 'PGPASSWORD', 'api_key', 'apiKey', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'client-secret', 'NPM_AUTH'])
      expect(isSecretName(n), n).toBe(true);
    for (const n of [
      'GPG_KEY',
      'PUBLIC_KEY',
      'PASSWORD_FILE',
      'TOKEN_URL',
      'KEY',
      'SSH_KEY_PATH',
      'PATH',
      'MONKEY',
      'SORT_KEY',
      'AWS_ACCESS_KEY_ID',
      'KEYRING',
    ])
      expect(isSecretName(n), n).toBe(false);
  });
  it('placeholders', () => {
    for (const v of [
      '',
      'changeme',
      'your-token-here',
      '<password>',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell reference, literally
      '${SECRET}',
      '$TOKEN',
      'xxxxxxxx',
      '****',
      'true',
      '12345',
      '/run/secrets/x',
      'example',
      'dummy-secret',
      '$dir/private/cakey.pem',
      'A challenge password',
    ])
      expect(isPlaceholder(v), v).toBe(true);
    for (const v of ['hunter22', 'S3cr3t!pass', pseudoRandom(20, 1)]) expect(isPlaceholder(v), v).toBe(false);
    expect(secretAssignment('DB_PASSWORD', '"S3cr3t v4lue!" # note')).toBe('S3cr3t v4lue!');
  });
  it('redaction shows a short prefix and the length only', () => {
    const t = ghToken();
    expect(redact(t)).toBe(`${t.slice(0, 6)}…(40 chars)`);
    expect(redact('hunter22')).toBe('hu…(8 chars)');
    expect(redact(rsaPem())).toMatch(/^-----BEGIN RSA PRIVATE KEY-----…\(\d+ chars\)$/);
    expect(redact('abc')).toBe('…(3 chars)');
  });
});

describe('config and history', () => {
  const image = (env: string[], history: string[], labels: Record<string, string> = {}): ImageInfo =>
    ({
      index: 0,
      tags: [],
      platform: null,
      manifestDigest: null,
      configDigest: null,
      created: null,
      author: null,
      config: { Env: env, Labels: labels },
      history: history.map((c, i) => ({ createdBy: c, emptyLayer: c.includes('#(nop)'), layerIndex: i })),
      layers: [],
      rawConfig: {},
    }) as ImageInfo;

  it('build args, ENV steps, Env and labels', async () => {
    const npm = `npm_${pseudoRandom(36, 40)}`;
    const gh = ghToken(41);
    const pw = pseudoRandom(12, 42);
    const found = await scanMetadata(
      image(
        ['PATH=/usr/local/bin:/usr/bin', `GITHUB_TOKEN=${gh}`, 'GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D', 'PYTHON_VERSION=3.12.4'],
        [
          '/bin/sh -c #(nop) ADD file:abc in / ',
          `RUN |2 NPM_TOKEN=${npm} BUILD=1 /bin/sh -c npm ci`,
          `/bin/sh -c #(nop)  ENV DB_PASSWORD=${pw}`,
          'RUN /bin/sh -c apt-get update',
        ],
        { 'org.opencontainers.image.source': 'https://github.com/x/y', maintainer: 'me' },
      ),
    );
    expect(found.map((f) => [f.source, f.path, f.value])).toEqual([
      ['config', 'Env:GITHUB_TOKEN', gh],
      ['history', 'history[1]', npm],
      ['history', 'history[2]', pw],
    ]);
  });
  it('build-arg parsing as docker history records it', () => {
    expect(buildArgsOf('|2 A=1 B=two words /bin/sh -c make')).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'two words' },
    ]);
    expect(buildArgsOf('RUN |1 TOKEN=abc /bin/sh -c x')).toEqual([{ name: 'TOKEN', value: 'abc' }]);
    expect(buildArgsOf('/bin/sh -c echo |1 X=y')).toEqual([]);
  });
});
