// The built-in secrets scanner: every rule's exact position, redaction, suppression, the
// conservative generic rule (negatives) and the fixtures. The agent's helpers: secretsAgent.test.ts.
// Secrets below are assembled from pieces so that this file itself scans clean.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fnv1a64, redact, RULES, scanText, shannonEntropy, type SecretHit } from '../../host/builtin/secrets';

const j = (...parts: string[]): string => parts.join('');
const FIXTURES = join(__dirname, '..', 'fixtures', 'secrets');

// fake, random, format-correct values
const AWS_ID = j('AK', 'IA6NHQXSTTBPWZ7RN6');
const AWS_SECRET = j('33LF7ej9/XQEOnb1YyVv', 'SNyXr+4nOQezaNvK9KMQ');
const GHP = j('gh', 'p_lo4CIXDzx9XX0lTA1ibslTTOAJLvAiKfdU6x');
const GH_PAT = j('github', '_pat_KbjlwRuBl6QyHr6dWGLrRj_XOoqP0YttJTcWijxB4UL7dH5AB9RLb3c1IYTEkN5CwasW1iB3oPm1NKNPKI');
const GLPAT = j('gl', 'pat-0TfzZSm9DrAABqWjhUkX');
const XOXP = j('xo', 'xp-886807950701-013491441042-375685672643-24940845ebae5c7cec7f112ca9611713');
const WEBHOOK = j('https://hooks.', 'slack.com/services/T032ZLLHUK/B0Q3MTF92WI/JJwlTEk5yDltsvTiVXsJwDMo');
const STRIPE = j('sk', '_live_hoahtZWZV0oAo7kJA31YO2A6');
const GOOGLE = j('AI', 'zavGRI3Bmapqxzje4KByY7WA6vM-gKCC3NWS5');
const NPM = j('np', 'm_odMeeSlWlMQxPykafBVpS5tKr0lu8iLQGoCN');
const OPENAI = j(
  'sk-proj-f2FP_rchQOa2QLwW4Z5MVGlTKjUZSsO1odVwcj4kOoz-gszg',
  'T3Blbk',
  'FJ5phHJAODZidI5VfToCk8zI1MhD9-5PqAhr7GWg6BkzRuAnps',
);
const ANTHROPIC = j(
  'sk-',
  'ant-api03-ydoGsRzrT3jwAZv5W49KLAwKZXCI_kkpJl53sgs71Nq02pFLOm7uUQGwphxtQ9H6AniRYF-vn109tqBPj1MKQ7sZVM0DjAA',
);
const SENDGRID = j('S', 'G.ve6ug6CPiNcu42daGhn9bN.OU33uPg8s2wjtIEfoNbbu5i6aISPCifl7ntYifeCIh6');
const b64url = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWT = [
  b64url({ alg: 'HS256', typ: 'JWT' }),
  b64url({ sub: 'svc-billing', iat: 1718035200 }),
  'tLl4UKkF3Kj8hPTleKYUK70tk1puwfo8TI47KGN3cf6',
].join('.');
const GENERIC = j('Y958hkRY', 'yBnjAtmqoG7HhzxL');
const URL_PW = j('ZuRWfC', '.pV5gGp');
const PEM_BODY = [
  j('MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', ''),
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
  'LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo',
].join('\n');
const BEGIN = j('-----BEGIN RSA ', 'PRIVATE KEY-----');
const END = j('-----END RSA ', 'PRIVATE KEY-----');

function only(hits: SecretHit[], ruleId: string): SecretHit {
  assert.equal(hits.length, 1, `expected one hit, got ${JSON.stringify(hits)}`);
  assert.equal(hits[0].ruleId, ruleId);
  return hits[0];
}

/** No 8-character window of the secret's random part may appear in `out`. */
function assertNotLeaked(out: string, secret: string, skipPrefix = 0): void {
  assert.ok(!out.includes(secret), 'the full secret leaked');
  for (let i = skipPrefix; i + 8 <= secret.length; i++) {
    assert.ok(!out.includes(secret.slice(i, i + 8)), `part of the secret leaked: offset ${i}`);
  }
}

describe('secrets: each rule, at its exact position', () => {
  // [rule, file, text, line, column, secret]: the secret is found verbatim at line:column.
  const cases: Array<[string, string, string, number, number, string]> = [
    ['aws-access-key-id', 'a.py', `import os\nKEY_ID = "${AWS_ID}"\n`, 2, 11, AWS_ID],
    ['aws-access-key-id', 'a.txt', `session ${j('AS', 'IAIZIED7QN4T2GNXVD')} ok`, 1, 9, j('AS', 'IAIZIED7QN4T2GNXVD')],
    ['aws-secret-access-key', 'a.py', `aws_secret_access_key = "${AWS_SECRET}"`, 1, 26, AWS_SECRET],
    ['aws-secret-access-key', 'credentials', `[default]\naws_secret_access_key = ${AWS_SECRET}\n`, 2, 25, AWS_SECRET],
    ['github-token', '.env', `GITHUB_TOKEN=${GHP}`, 1, 14, GHP],
    ['github-token', 'ci.yml', `env:\n  GH: "${GH_PAT}"`, 2, 8, GH_PAT],
    ['gitlab-token', 'x.sh', `curl -H "PRIVATE-TOKEN: ${GLPAT}" api`, 1, 25, GLPAT],
    ['slack-token', 'x.js', `const client = new WebClient('${XOXP}');`, 1, 31, XOXP],
    ['slack-webhook', 'x.env', `HOOK=${WEBHOOK}`, 1, 6, WEBHOOK],
    ['stripe-secret-key', 'pay.rb', `Stripe.api_key = '${STRIPE}'`, 1, 19, STRIPE],
    [
      'google-api-key',
      'maps.html',
      `<script src="https://maps.googleapis.com/maps/api/js?key=${GOOGLE}"></script>`,
      1,
      58,
      GOOGLE,
    ],
    ['npm-token', '.npmrc', `//registry.npmjs.org/:_authToken=${NPM}`, 1, 34, NPM],
    ['openai-api-key', 'llm.py', `client = OpenAI(api_key="${OPENAI}")`, 1, 26, OPENAI],
    ['anthropic-api-key', 'llm.ts', `new Anthropic({ apiKey: '${ANTHROPIC}' })`, 1, 26, ANTHROPIC],
    ['sendgrid-api-key', 'mail.go', `sg := sendgrid.NewSendClient("${SENDGRID}")`, 1, 31, SENDGRID],
    ['jwt', 'req.http', `GET /orders\nAuthorization: Bearer ${JWT}\n`, 2, 23, JWT],
    [
      'credentials-in-url',
      'app.yaml',
      `db:\n  url: postgres://orders:${URL_PW}@db.internal:5432/orders`,
      2,
      26,
      URL_PW,
    ],
    ['generic-secret-assignment', 'client.ts', `const api_key = "${GENERIC}";`, 1, 18, GENERIC],
  ];
  for (const [rule, file, text, line, column, secret] of cases) {
    it(`${rule} in ${file}`, () => {
      const h = only(scanText(text, file), rule);
      assert.deepEqual(
        { line: h.line, column: h.column, endLine: h.endLine, endColumn: h.endColumn },
        { line, column, endLine: line, endColumn: column + secret.length },
      );
      assert.equal(text.split('\n')[line - 1].slice(column - 1, h.endColumn - 1), secret);
      assert.equal(h.file, file);
      assert.match(h.fingerprint, /^[0-9a-f]{16}$/);
      assert.equal(h.severity, RULES.find((r) => r.id === rule)!.severity);
      const prefix =
        /^(?:AKIA|ASIA|ghp_|github_pat_|glpat-|xoxp-|sk_live_|AIza|npm_|sk-ant-api\d\d-|sk-|SG\.|eyJ|https:\/\/hooks\.slack\.com\/services\/)/.exec(
          secret,
        )?.[0].length ?? 0;
      assertNotLeaked(h.message, secret, prefix);
    });
  }

  it('private-key: one finding on the BEGIN line, covering the marker', () => {
    const text = `# deploy key\n${BEGIN}\n${PEM_BODY}\n${END}\n`;
    const h = only(scanText(text, 'keys/deploy'), 'private-key');
    assert.deepEqual([h.line, h.column, h.endLine, h.endColumn], [2, 1, 2, BEGIN.length + 1]);
    assert.match(h.message, /RSA/);
    assertNotLeaked(h.message, PEM_BODY.split('\n')[0]);
  });

  it('private-key: JSON-escaped on one line (service account files), and OPENSSH / EC / PKCS#8 kinds', () => {
    const json = `{\n  "type": "service_account",\n  "private_key": "${j('-----BEGIN ', 'PRIVATE KEY-----')}\\n${PEM_BODY.replace(/\n/g, '\\n')}\\n-----END PRIVATE KEY-----\\n"\n}`;
    const h = only(scanText(json, 'sa.json'), 'private-key');
    assert.deepEqual([h.line, h.column], [3, 19]);
    for (const kind of ['OPENSSH ', 'EC ', 'DSA ', 'ENCRYPTED ', '']) {
      const text = `${j('-----BEGIN ', kind, 'PRIVATE KEY-----')}\n${PEM_BODY}\n${j('-----END ', kind, 'PRIVATE KEY-----')}`;
      only(scanText(text, 'k'), 'private-key');
    }
  });

  it('private-key: not for public keys, certificates, bare markers or shortened samples', () => {
    const texts = [
      `-----BEGIN PUBLIC KEY-----\n${PEM_BODY}\n-----END PUBLIC KEY-----`,
      `-----BEGIN CERTIFICATE-----\n${PEM_BODY}\n-----END CERTIFICATE-----`,
      `if (pem.startsWith('${BEGIN}')) return parseRsa(pem);`,
      `${BEGIN}\nMIIEpAIBAAKCAQEA...\n${END}`,
      `${BEGIN}\n<your key here>\n${END}`,
    ];
    for (const t of texts) assert.deepEqual(scanText(t, 'x.ts'), [], t);
  });

  it('columns count UTF-16 code units, ignore a BOM, and survive CRLF', () => {
    const h = only(scanText(`\uFEFFé = 1\r\n// ünïcödé\r\nGITHUB_TOKEN=${GHP}\r\n`, 'x.env'), 'github-token');
    assert.deepEqual([h.line, h.column, h.endColumn], [3, 14, 14 + GHP.length]);
  });

  it('format rules skip documentation placeholders', () => {
    const texts = [
      j('AK', 'IAIOSFODNN7EXAMPLE'),
      j('gh', 'p_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
      j('gh', 'p_1234567890abcdefghijklmnopqrstuvwxyz'),
      j('https://hooks.', 'slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'),
      j(
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
        '.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
      ),
      j('sk', '_test_', 'hoahtZWZV0oAo7kJA31YO2A6'),
      j('pk', '_live_', 'hoahtZWZV0oAo7kJA31YO2A6'),
    ];
    for (const t of texts) assert.deepEqual(scanText(`value: ${t}\n`, 'docs.md'), [], t);
  });
});

describe('secrets: the generic assignment rule', () => {
  it('finds high-entropy values in code, JSON, YAML, .env, kwargs, Go and annotated declarations', () => {
    const cases: Array<[string, string]> = [
      ['x.ts', `const clientSecret = '${GENERIC}';`],
      ['x.ts', `export const config = { apiKey: "${GENERIC}" };`],
      ['x.ts', `private password: string = "${GENERIC}";`],
      ['x.json', `{ "auth_token": "${GENERIC}" }`],
      ['x.yaml', `db:\n  password: ${GENERIC}`],
      ['.env.production', `export DB_PASSWORD=${GENERIC}`],
      ['x.py', `conn = connect(host="db", password="${GENERIC}")`],
      ['x.go', `secret := "${GENERIC}"`],
      ['x.properties', `spring.datasource.password=${GENERIC}`],
      ['x.php', `'api_key' => '${GENERIC}',`],
    ];
    for (const [file, text] of cases) {
      const h = only(scanText(text, file), 'generic-secret-assignment');
      assert.equal(text.split('\n')[h.line - 1].slice(h.column - 1, h.endColumn - 1), GENERIC, `${file}: ${text}`);
      assert.equal(h.severity, 'warning');
    }
  });

  it('stays silent on placeholders, references, calls, types, paths, URLs and low-entropy values', () => {
    const negatives: Array<[string, string]> = [
      ['x.ts', 'const password = "changeme";'],
      ['x.ts', 'const password = "password";'],
      ['x.ts', 'const password = "password123456";'],
      ['x.ts', 'const token = "xxxxxxxxxxxxxxxxxxxx";'],
      ['x.ts', 'const token = "<your-token>";'],
      ['x.ts', 'const apiKey = "${API_KEY}";'],
      ['x.ts', 'const secret = "{{ secret }}";'],
      ['x.ts', 'const password = process.env.DB_PASSWORD;'],
      ['x.py', 'password = os.environ["DB_PASSWORD"]'],
      ['x.py', 'password = os.environ.get("DB_PASSWORD", "")'],
      ['x.ts', 'const apiKey = "example-api-key-1234";'],
      ['x.ts', 'const apiKey = "dummy-key-for-tests-9f8e";'],
      ['x.ts', 'const token = "test-token-4f9a8b7c6d";'],
      ['x.ts', 'const password = "";'],
      ['x.ts', "const secret = '';"],
      ['x.ts', 'const privateKeyPath = "/etc/ssl/private/server.key";'],
      ['x.ts', 'const secretFile = "./secrets/db.json";'],
      ['x.ts', 'const token_url = "https://auth.example.com/oauth/token";'],
      ['x.ts', 'const tokenEndpoint = "https://login.microsoftonline.com/common/oauth2/v2.0/token";'],
      ['x.ts', 'const password = getPassword();'],
      ['x.ts', 'const password = await vault.read("secret/db/password");'],
      ['x.ts', 'let password: string;'],
      ['x.ts', 'function login(user: string, password: string): Promise<Token> {'],
      ['x.ts', 'type Creds = { token: AccessTokenProvider; secret: SecretString };'],
      ['x.ts', 'const TOKEN_KEY = "access_token";'],
      ['x.ts', 'const passwordMessage = "Password must contain 12 characters";'],
      ['x.ts', 'if (password === "Zq8v3Kx1Lm4Tb7Rw") return;'],
      ['x.ts', 'const token = `Bearer ${accessToken}`;'],
      ['x.ts', 'const secret = "aaaaaaaaaaaaaaaaaaaaaaaa";'],
      ['x.ts', 'const token = "550e8400-e29b-41d4-a716-446655440000";'],
      ['x.ts', 'const nextToken = "eyJ2IjoiMSIsInMiOjE2NzI5M30";'],
      ['x.ts', 'const author = "Jane Q. Maintainer <jane@maintainers.dev>";'],
      ['x.ts', 'const authority = "login.windows.net/common";'],
      ['x.ts', 'const publicKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4s";'],
      ['x.ts', 'const password = DEFAULT_PASSWORD_FROM_SETTINGS;'],
      ['x.yaml', 'password: ${DB_PASSWORD}'],
      ['x.yaml', 'token: ${{ secrets.GITHUB_TOKEN }}'],
      ['x.yaml', 'secretName: shop-web-tls-secret'],
      ['x.yaml', 'password: !vault |'],
      ['x.yaml', 'api_key: ENC[AES256_GCM,data:Qm9vaG9vLWJ1dC1lbmNyeXB0ZWQ=,type:str]'],
      ['x.env', 'API_KEY=your-api-key-here'],
      ['x.env', 'SECRET_KEY=<generate with openssl rand -hex 32>'],
      ['x.env', 'TOKEN=GITHUB_TOKEN_FROM_CI'],
      ['x.env', 'PASSWORD=%DB_PASSWORD%'],
      ['x.sh', 'PASSWORD=$(vault kv get -field=password secret/db)'],
      ['x.md', 'Set `password = hunter2hunter2` in your local config.'],
      ['.npmrc', '//registry.npmjs.org/:_authToken=${NPM_TOKEN}'],
      ['.npmrc', '_auth=bm90IG15IHJlYWwgcGFzc3dvcmQ='],
      ['x.ts', 'const passwordRegex = "^(?=.*[A-Z])(?=.*\\\\d).{12,}$";'],
      ['x.ts', 'const lastPasswordChange = "2024-06-10T12:00:00Z";'],
    ];
    for (const [file, text] of negatives) assert.deepEqual(scanText(text, file), [], `${file}: ${text}`);
  });
});

describe('secrets: suppression, fingerprints, redaction', () => {
  it('honours agentic-bg:ignore, gitleaks:allow and pragma: allowlist secret on the same line only', () => {
    for (const marker of ['// agentic-bg:ignore', '# gitleaks:allow', '# pragma: allowlist secret']) {
      const text = `GITHUB_TOKEN=${GHP} ${marker}\nOTHER_TOKEN=${GHP}\n`;
      const h = only(scanText(text, 'x.env'), 'github-token');
      assert.equal(h.line, 2, marker);
    }
  });

  it('agentic-bg:ignore-next-line silences the following line (e.g. a PEM block)', () => {
    const text = `# agentic-bg:ignore-next-line\n${BEGIN}\n${PEM_BODY}\n${END}\n`;
    assert.deepEqual(scanText(text, 'k'), []);
  });

  it('fingerprints are stable across line moves, differ across files and for repeated secrets', () => {
    const a = only(scanText(`A=1\nGITHUB_TOKEN=${GHP}`, 'x.env'), 'github-token');
    const b = only(scanText(`\n\n\n  GITHUB_TOKEN=${GHP}`, 'x.env'), 'github-token');
    const c = only(scanText(`GITHUB_TOKEN=${GHP}`, 'y.env'), 'github-token');
    assert.equal(a.fingerprint, b.fingerprint);
    assert.notEqual(a.fingerprint, c.fingerprint);
    const twice = scanText(`A=${GHP}\nB=${GHP}`, 'x.env');
    assert.equal(twice.length, 2);
    assert.notEqual(twice[0].fingerprint, twice[1].fingerprint);
  });

  it('redact shows at most the requested prefix and never more than half', () => {
    assert.equal(redact(AWS_ID, 4), 'AKIA…(20 chars)');
    assert.equal(redact('abcdef', 4), 'abc…(6 chars)');
    assert.equal(redact(GENERIC, 0), '…(24 chars)');
  });

  it('fnv1a64 and shannonEntropy give the reference values', () => {
    assert.equal(fnv1a64(''), 'cbf29ce484222325');
    assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
    assert.equal(fnv1a64('foobar'), '85944171f73967e8');
    assert.equal(shannonEntropy(''), 0);
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
    assert.ok(Math.abs(shannonEntropy('aab') - 0.9183) < 1e-3);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('secrets: fixtures', () => {
  it('every file under clean/ gives zero findings', () => {
    const files = walk(join(FIXTURES, 'clean'));
    assert.ok(files.length >= 8, 'the clean fixtures are there');
    for (const f of files) assert.deepEqual(scanText(readFileSync(f, 'utf8'), relative(FIXTURES, f)), [], f);
  });

  it('the planted fixtures give exactly the table in EXPECTED.md, without leaking', () => {
    const expected = readFileSync(join(FIXTURES, 'EXPECTED.md'), 'utf8')
      .split('\n')
      .filter((l) => /^\| [\w./-]+ \| \d+:\d+ \|/.test(l))
      .map((l) =>
        l
          .split('|')
          .slice(1, 5)
          .map((c) => c.trim())
          .join(' '),
      )
      .sort();
    const got: string[] = [];
    // kinds/ is the labelled corpus of secrets.kinds.test.ts, with its own table
    const own = (p: string): boolean =>
      !p.includes(`${join(FIXTURES, 'clean')}/`) && !p.includes(`${join(FIXTURES, 'kinds')}/`);
    for (const f of walk(FIXTURES).filter(own)) {
      const text = readFileSync(f, 'utf8');
      const lines = text.split('\n');
      for (const h of scanText(text, relative(FIXTURES, f))) {
        got.push(`${h.file} ${h.line}:${h.column} ${h.endLine}:${h.endColumn} ${h.ruleId}`);
        // only the shown, format-defining prefix (checked per rule above) may appear
        const shown = /(\S*)…\(\d+ chars\)/.exec(h.message)?.[1].length ?? 0;
        assert.ok(shown <= 33, h.message);
        if (h.ruleId !== 'private-key')
          assertNotLeaked(h.message, lines[h.line - 1].slice(h.column - 1, h.endColumn - 1), shown);
      }
    }
    assert.equal(expected.length, 17);
    assert.deepEqual(got.sort(), expected);
  });

  it('scans 1 MB of code and returns', () => {
    const chunk = readFileSync(join(FIXTURES, 'clean', 'src', 'auth.ts'), 'utf8');
    const big = chunk.repeat(Math.ceil(1_000_000 / chunk.length));
    assert.deepEqual(scanText(big, 'big.ts'), []);
    assert.equal(scanText(`${big}\nconst api_key = "${GENERIC}";\n`, 'big.ts').length, 1);
  });
});
