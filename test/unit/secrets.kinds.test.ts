// The secrets audit beyond token formats, one rule at a time: passwords in files whose format says
// they are passwords, password hashes, framework secret keys, URL credentials, key files without a
// PEM marker, npm auth, IDE and browser password stores; and the labelled corpus of
// test/fixtures/secrets/kinds/ (every listed secret found, nothing on the look-alikes).
// Values are assembled from pieces so that this file itself scans clean.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanText, type SecretHit } from '../../host/builtin/secrets';
import { keystoreHit } from '../../host/builtin/secretsKeystore';
import { isPasswordName, isStandInPassword, isTestVector } from '../../host/builtin/secretsStandIns';
import { scoreKinds } from '../bench/secrets/kindsCorpus';

const j = (...parts: string[]): string => parts.join('');
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** `rule text` of each hit, the text read back from the line through the hit's columns. */
function found(text: string, file: string): string[] {
  const lines = text.split('\n');
  return scanText(text, file).map(
    (h: SecretHit) => `${h.ruleId} ${lines[h.line - 1]!.slice(h.column - 1, h.endColumn - 1)}`,
  );
}

describe('secrets by kind: the labelled corpus', () => {
  it('finds every secret of EXPECTED.md in each kind and nothing on the look-alikes', async () => {
    const scores = await scoreKinds();
    assert.ok(scores.length >= 17, 'every kind has its folder');
    for (const k of scores) {
      assert.ok(k.expected >= 2, `${k.kind}: at least two planted secrets`);
      assert.deepEqual(k.missed, [], `${k.kind}: missed`);
      assert.deepEqual(
        [...k.lookalikeHits, ...k.unexpected].map((h) => `${h.file}:${h.line} ${h.ruleId}`),
        [],
        `${k.kind}: false positives`,
      );
    }
  });
});

describe('secrets by kind: credential files', () => {
  it('.netrc: every password, weak ones too, but not anonymous FTP or templates', () => {
    const text = 'machine a.io login me password hunter22\nmachine b.io\n  login ci\n  password Zx8\n';
    assert.deepEqual(found(text, 'home/.netrc'), ['password-in-file hunter22', 'password-in-file Zx8']);
    assert.deepEqual(
      found('default login anonymous password me@a.io\nmachine x login u password $TOKEN\n', '.netrc'),
      [],
    );
    assert.deepEqual(found(text, 'netrc.md'), [], 'only in a file named .netrc');
  });

  it('.pgpass: the fifth field, with escaped colons; not empty or "*"', () => {
    assert.deepEqual(found('db:5432:app:app:pa\\:ss9\n*:*:*:*:*\nh:1:d:u:\n', '.pgpass'), [
      'password-in-file pa\\:ss9',
    ]);
  });

  it('my.cnf: quoted and bare values; not a commented or a bare `password` line', () => {
    const text = '[client]\npassword = "m4ria db"\n# password = x1y2z3\npassword\n[dump]\npassword=dump2024\n';
    assert.deepEqual(found(text, '.my.cnf'), ['password-in-file m4ria db', 'password-in-file dump2024']);
  });

  it('htpasswd: every hash format, not placeholders', () => {
    const apr1 = j('$apr1$', 'Xk3b9Q2r$0yN7Zb0Yl2r8w1XvJq9Ck.');
    const text = `admin:${apr1}\nops:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nu:$apr1$xxxxxxxx$xxxxxxxxxxxxxxxxxxxxxx\nv:\n`;
    assert.deepEqual(found(text, 'site/.htpasswd'), [
      `password-hash ${apr1}`,
      'password-hash {SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=',
    ]);
  });

  it('Docker auth: base64 user:password with a real password only', () => {
    const real = b64(j('ci:Gx7pQ', '2vLw9'));
    const text = `{"auths":{"r.io":{"auth":"${real}"},"g.io":{"auth":"${b64('username:password')}"},"h":{"auth":""}}}`;
    assert.deepEqual(found(text, '.docker/config.json'), [`password-in-file ${real}`]);
    // elsewhere only the generic rule may speak (for a high-entropy value)
    assert.ok(!found(text, 'src/settings.json').some((f) => f.startsWith('password-in-file')));
  });

  it('XML: FileZilla base64 <Pass>, attributes, elements, Spring name/value; not references', () => {
    const fz = b64(j('Sunny-', 'Day42'));
    const text = [
      `<Pass encoding="base64">${fz}</Pass>`,
      `<Pass encoding="base64">${b64('password')}</Pass>`,
      '<fileTransfer login="deploy" password="dfd7dfcadfd3" />',
      '<password>N3xus-Deploy!</password>',
      '<password>${env.NEXUS_PASSWORD}</password>',
      '<property name="password" value="spr1ngDb"/>',
      '<property name="password" value="${db.password}"/>',
      '<user username="admin" password="<must-be-changed>"/>',
      '<testsuite name="api" pass="12345" fail="0"/>',
    ].join('\n');
    assert.deepEqual(found(text, 'conf/sitemanager.xml'), [
      `password-in-file ${fz}`,
      'password-in-file dfd7dfcadfd3',
      'password-in-file N3xus-Deploy!',
      'password-in-file spr1ngDb',
    ]);
  });

  it('Firefox logins.json: encryptedPassword only when it is DER in base64', () => {
    const enc = j('MEIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECK', 'Zq3W8vN1xYt5Lb7Hc2Dj0Kf9==');
    assert.deepEqual(found(`{"encryptedPassword":"${enc}","x":1}`, 'profile/logins.json'), [`password-in-file ${enc}`]);
    assert.deepEqual(found('{"encryptedPassword":"string"}', 'logins.json'), []);
  });

  it('.npmrc and .yarnrc.yml: UUID tokens and base64 _auth; not references or decoded stand-ins', () => {
    const uuid = j('3f2a9c4e-8b71-4d25', '-a0c6-5e9b1f7d2c84');
    const auth = b64(j('ci:Fern-', 'Gully-88'));
    const text = `//npm.acme.io/:_authToken=${uuid}\n_auth=${auth}\n_auth=${b64('user:password')}\n//r/:_authToken=\${NPM_TOKEN}\n`;
    assert.deepEqual(found(text, '.npmrc'), [`npm-auth ${uuid}`, `npm-auth ${auth}`]);
    assert.deepEqual(found(`npmRegistries:\n  "https://r":\n    npmAuthToken: "${uuid}"\n`, '.yarnrc.yml'), [
      `npm-auth ${uuid}`,
    ]);
  });
});

describe('secrets by kind: configuration', () => {
  it('.env and compose environment: weak passwords under password names; not flags, files or references', () => {
    const env =
      "DB_PASSWORD=tulip9\nSMTP_PASS='mail2024' # rotated\nPASSWORD_MIN_LENGTH=12\nALLOW_EMPTY_PASSWORD=yes\nDB_PASSWORD_FILE=/run/s\nX_PASSWORD=${X}\n";
    assert.deepEqual(found(env, 'deploy/.env'), ['password-assignment tulip9', 'password-assignment mail2024']);
    assert.deepEqual(found(env, '.env.example'), [], 'templates document the names');
    const compose =
      'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: shop-db\n      - MYSQL_ROOT_PASSWORD=rootpw99\n      MYSQL_RANDOM_ROOT_PASSWORD: "1"\n      PG_PASSWORD: ${PG:-x}\n';
    assert.deepEqual(found(compose, 'docker-compose.yml'), [
      'password-assignment shop-db',
      'password-assignment rootpw99',
    ]);
  });

  it('a strong value under a password name stays the generic rule, as before', () => {
    const v = j('Y958hkRY', 'yBnjAtmqoG7HhzxL');
    assert.deepEqual(found(`DB_PASSWORD=${v}\n`, '.env'), [`generic-secret-assignment ${v}`]);
  });

  it('wp-config.php: DB_PASSWORD and the salts (any punctuation); not the sample', () => {
    const salt = j('K+9|mP@x:<q W~3$v{', '7Lz]8#Ft)Yh2&Rb.Nj5^Dc');
    const text = `define( 'DB_PASSWORD', 'Gr33n-Tea' );\ndefine( 'AUTH_KEY', '${salt}' );\ndefine( 'DB_USER', 'wp' );\ndefine('NONCE_SALT', 'put your unique phrase here');\ndefine( 'DB_PASSWORD', 'password_here' );\n`;
    assert.deepEqual(found(text, 'wp-config.php'), ['password-assignment Gr33n-Tea', `framework-secret-key ${salt}`]);
  });

  it('framework secret keys: Django, Flask (spaces), Rails, Laravel; not env lookups or stand-ins', () => {
    const dj = j('django-insecure-7#k2v!q9', 'x@m4z(8w$l_p3+e&u^b6r0=t1y5n)c*s');
    const fl = j('f3 x9!Lq2v', ' Rb7&Kd0 mZ4');
    const rails = j('5f2b9c1e7a3d', '8e4f6a0b2c9d1e7f3a5b8c0d4e6f2a9b1c7d3e5f8a0b6c2d4e9f1a3b7c5d8e0f');
    assert.deepEqual(found(`SECRET_KEY = '${dj}'\n`, 'shop/settings.py'), [`framework-secret-key ${dj}`]);
    assert.deepEqual(found(`app.config["SECRET_KEY"] = "${fl}"\n`, 'app.py'), [`framework-secret-key ${fl}`]);
    assert.deepEqual(found(`production:\n  secret_key_base: ${rails}\n`, 'config/secrets.yml'), [
      `framework-secret-key ${rails}`,
    ]);
    for (const t of [
      "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']",
      "SECRET_KEY = 'change-me-in-production'",
      "SECRET_KEY = 'your-secret-key-here'",
      'secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>',
    ])
      assert.deepEqual(found(t, 'settings.py'), [], t);
  });

  it('JDBC and ODBC connection strings; not docs placeholders, f-strings or a minified bundle', () => {
    const text = [
      j('url=jdbc:mysql://db:3306/o?user=o&pass', 'word=Qr7x!pL2&useSSL=true'),
      j('"Server=sql;Database=O;User Id=o;Pass', 'word=Blue-Heron-77;Trust=True"'),
      j('connect("DRIVER={ODBC 18};SERVER=s;UID=u;P', 'WD={p@ss;w0rd}")'),
      'Server=myServerAddress;Database=myDataBase;User Id=myUsername;Password=myPassword;',
      'connect(f"DRIVER={{ODBC}};SERVER=s;UID=u;PWD={password}")',
    ].join('\n');
    assert.deepEqual(found(text, 'conn.txt'), [
      'connection-string-password Qr7x!pL2',
      'connection-string-password Blue-Heron-77',
      'connection-string-password p@ss;w0rd',
    ]);
    const bundle = `var Host=1;${'x'.repeat(400)};e.password=null;t={${j('pass', 'word=n9Kq2vX4')}}`;
    assert.deepEqual(found(bundle, 'report.js'), []);
  });

  it('URL credentials of any scheme, weak ones too; not stand-ins, user=password, anonymous or example hosts', () => {
    const text = [
      j('uri: mongodb://shop:', 'Tr4ns1t@mongo1.acme.io:27017/shop'),
      j('broker = "amqp://celery:', 'c3l3ry-q@rabbit.acme.io//"'),
      j("new Redis('redis://:", "Kx9-redis@cache.acme.io:6379/0')"),
      'mongodb://user:pass@localhost:27017/db postgres://postgres:postgres@localhost/app',
      'amqp://guest:guest@localhost https://username:password@github.com redis://:password@h',
      'https://anonymous:flabada@developer.mozilla.org https://user:s3cretTok@api.example.com',
      'postgres://app:${DB_PASSWORD}@db/app postgres://u:mysecretpassword@localhost',
    ].join('\n');
    assert.deepEqual(found(text, 'config/mongoid.yml'), [
      'credentials-in-url Tr4ns1t',
      'credentials-in-url c3l3ry-q',
      'credentials-in-url Kx9-redis',
    ]);
  });
});

describe('secrets by kind: hashes and key files', () => {
  const A = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const r = (n: number, seed: number): string =>
    Array.from({ length: n }, (_, i) => A[(i * 7 + seed * 13 + i * i) % 64]).join('');
  const bcrypt = j('$2b$12$', r(53, 1));
  const sha512 = j('$6$', r(16, 2), '$', r(86, 3));
  const sha256 = j('$5$rounds=80000$', r(16, 4), '$', r(43, 5));
  const md5 = j('$1$', r(8, 6), '$', r(22, 7));
  const apr1 = j('$apr1$', r(8, 8), '$', r(22, 9));

  it('finds bcrypt, sha512-crypt, sha256-crypt, md5-crypt and apr1 hashes at their exact position', () => {
    const text = `root:${sha512}:19700:0:::\nd:${sha256}:1\nINSERT INTO u VALUES ('a', '${bcrypt}');\nops: "${md5}"\nw: ${apr1}\n`;
    assert.deepEqual(
      found(text, 'etc/shadow'),
      [sha512, sha256, bcrypt, md5, apr1].map((h) => `password-hash ${h}`),
    );
    const h = scanText(`x = '${bcrypt}'`, 'seed.py')[0]!;
    assert.match(h.message, /^Password hash \(bcrypt\) \$2b\$…\(60 chars\)$/);
  });

  it('skips test vectors (test paths, assertion lines) and placeholders', () => {
    assert.deepEqual(found(`const h = '${bcrypt}';`, 'test/auth.js'), []);
    assert.deepEqual(found(`const h = '${bcrypt}';`, 'src/hash.spec.ts'), []);
    assert.deepEqual(found(`assert.ok(await bcrypt.compare('pw', '${bcrypt}'));`, 'src/check.js'), []);
    assert.deepEqual(found(j("P = '$2b$12$", 'x'.repeat(53), "'"), 'src/hash.js'), []);
    assert.ok(
      isTestVector('pkg/__tests__/a.js', '') && isTestVector('a_test.go', '') && !isTestVector('src/a.js', 'x'),
    );
  });

  it('PuTTY .ppk with a Private-Lines body; not a shortened docs sample', () => {
    const ppk = `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 1\nAAAAC3Nz\nPrivate-Lines: 1\nAAAAIKq8Zr2Lm4Tb7Rw1Vx3Ny6Pd9Gf0Hj5Kc2Sa8Ue4Wo\n`;
    const [h] = scanText(ppk, 'deploy.ppk');
    assert.equal(h?.ruleId, 'private-key');
    assert.deepEqual([h!.line, h!.column, h!.endColumn], [1, 1, 35]);
    assert.match(h!.message, /PuTTY ssh-ed25519, unencrypted/);
    assert.deepEqual(scanText(ppk.replace(/AAAAIK.*/, 'AAAA…'), 'putty.md'), []);
  });

  it('Rails master.key by name and content (32 hex digits)', () => {
    const key = j('9c1e7a3d8e4f6a0b', '2c9d1e7f3a5b8c0d');
    assert.deepEqual(found(`${key}\n`, 'config/master.key'), [`key-file ${key}`]);
    assert.deepEqual(found(`${key}\n`, 'config/credentials/production.key'), [`key-file ${key}`]);
    assert.deepEqual(found(`${key}\n`, 'config/other.txt'), []);
    assert.deepEqual(found('0'.repeat(32), 'config/master.key'), []);
  });

  it('key stores by name and first bytes: JKS, JCEKS, BKS, PKCS#12; not trust stores or text', () => {
    const jks = Buffer.concat([Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]), Buffer.alloc(64, 7)]);
    const jceks = Buffer.concat([Buffer.from([0xce, 0xce, 0xce, 0xce, 0, 0, 0, 2]), Buffer.alloc(64, 7)]);
    const p12 = Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03, 0x30, 0x82, 0, 0, 0]);
    assert.match(keystoreHit('android/release.jks', jks)!.message, /Java keystore \(JKS\)/);
    assert.match(keystoreHit('a.jceks', jceks)!.message, /JCEKS/);
    assert.match(keystoreHit('certs/client.p12', p12)!.message, /PKCS#12/);
    const h = keystoreHit('certs/client.pfx', p12)!;
    assert.deepEqual([h.ruleId, h.severity, h.line, h.column], ['key-file', 'error', 1, 1]);
    assert.equal(keystoreHit('certs/truststore.jks', jks), undefined);
    assert.equal(keystoreHit('certs/keystore.p12', Buffer.from('placeholder: generate with keytool\n')), undefined);
    assert.equal(keystoreHit('release.bin', jks), undefined);
    assert.notEqual(keystoreHit('a.jks', jks)!.fingerprint, keystoreHit('b.jks', jks)!.fingerprint);
  });
});

describe('secrets by kind: stand-ins and names', () => {
  it('isStandInPassword: slot names, references, templates, flags, repeats — not weak real passwords', () => {
    for (const v of [
      '',
      'ab',
      'password',
      'YOUR_PASSWORD',
      'db_password',
      '$PW',
      '${PW}',
      '%PW%',
      '{{ pw }}',
      '<pw>',
      '#{pw}',
      'changeme',
      'xxxxxx',
      '********',
      'yes',
      'password_here',
    ])
      assert.ok(isStandInPassword(v), v);
    for (const v of ['hunter22', 'root1', 'admin12345', 'Tr0ub4dor', 'winter2024', 'p@ss;w0rd'])
      assert.ok(!isStandInPassword(v), v);
  });

  it('isPasswordName: password words, not flags or descriptors', () => {
    for (const n of ['DB_PASSWORD', 'POSTGRES_PASSWORD', 'smtpPass', 'RABBITMQ_DEFAULT_PASS', 'MYSQL_ROOT_PASSWORD'])
      assert.ok(isPasswordName(n), n);
    for (const n of [
      'MYSQL_ALLOW_EMPTY_PASSWORD',
      'PASSWORD_FILE',
      'PASSWORD_MIN_LENGTH',
      'API_TOKEN',
      'passport',
      'compass',
    ])
      assert.ok(!isPasswordName(n), n);
  });
});
