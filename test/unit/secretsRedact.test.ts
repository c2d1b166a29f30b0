// Redaction of agent output by the secrets scanner's rules (host/builtin/secretsRedact.ts): real
// formats found anywhere in a line, PEM blocks across lines and chunks, bytes outside UTF-8 kept
// as they were, and text without secrets passed through as the same buffer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineRedactor, redactSecrets, redactTail, StreamRedactor } from '../../host/builtin/secretsRedact';

// assembled at run time so that this file itself holds no token a scanner would flag
const AKID = 'AKIA' + 'Q3EGRTZ7LXN5WPDJ';
const AWS_SECRET = 'k7Rz' + 'Q9vLp2XwT4mN8bYc1sHd6FgJ0aEuKiOqWl/B';
const GHP = 'ghp_' + 'Xa8Lq2Rt9Vz4Wm6Ny1Pb3Kc7Jd5Hf0Gs2Ue4';
const PEM_BODY = [
  'MIIEowIBAAKCAQEAvQ7Zr4s1Gm3yP2yq8uN0eXl5cR2vT9bWq4s1Gm3yP2yq8uN0',
  'eXl5cR2vT9bWq4s1Gm3yP2yq8uN0eXl5cR2vT9bWq4s1Gm3yP2yq8uN0eXl5cR2v',
];
const PEM = ['-----BEGIN RSA PRIVATE KEY-----', ...PEM_BODY, '-----END RSA PRIVATE KEY-----'];

function noSecret(text: string): void {
  for (const s of [AKID, AWS_SECRET, GHP, ...PEM_BODY]) assert.ok(!text.includes(s), `leaked ${s} in ${text}`);
}

describe('redactSecrets', () => {
  it('replaces an AWS key id and secret, a GitHub token and a private key body, keeping the rest', () => {
    const text = [
      `deploying with ${AKID} to eu-west-1`,
      `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`,
      `error: token ${GHP} rejected`,
      ...PEM,
      'done',
    ].join('\n');
    const out = redactSecrets(text);
    noSecret(out);
    assert.deepEqual(out.split('\n'), [
      'deploying with [REDACTED aws-access-key-id] to eu-west-1',
      'AWS_SECRET_ACCESS_KEY=[REDACTED aws-secret-access-key]',
      'error: token [REDACTED github-token] rejected',
      '-----BEGIN RSA PRIVATE KEY-----',
      '[REDACTED private-key]',
      '[REDACTED private-key]',
      '-----END RSA PRIVATE KEY-----',
      'done',
    ]);
  });

  it('a JSON-escaped key on one line, and text without secrets unchanged', () => {
    const one = `{"key":"${PEM.join('\\n')}"}`;
    const out = redactSecrets(one);
    noSecret(out);
    assert.equal(out, '{"key":"-----BEGIN RSA PRIVATE KEY-----[REDACTED private-key]-----END RSA PRIVATE KEY-----"}');
    const plain = 'compiled 42 files in 1.2 s\nthe key point: none of this is secret';
    assert.equal(redactSecrets(plain), plain);
  });

  it('a PEM block ends at a line that is no key body, even without its END line', () => {
    const r = new LineRedactor();
    assert.equal(r.line(PEM[0]!), PEM[0]);
    assert.equal(r.line(PEM_BODY[0]!), '[REDACTED private-key]');
    assert.equal(r.line('npm ERR! something else entirely'), 'npm ERR! something else entirely');
    assert.equal(r.open, false);
  });
});

describe('redactTail', () => {
  it('a tail that lost the BEGIN line of a key block still hides its body', () => {
    const tail = [PEM_BODY[1]!, PEM[3]!, `token ${GHP}`];
    assert.deepEqual(redactTail(tail), [
      '[REDACTED private-key]',
      '-----END RSA PRIVATE KEY-----',
      'token [REDACTED github-token]',
    ]);
    // with its BEGIN line, as any text
    assert.deepEqual(redactTail(PEM), redactSecrets(PEM.join('\n')).split('\n'));
  });
});

describe('StreamRedactor', () => {
  it('follows secrets and PEM blocks split anywhere across chunks', () => {
    const text = `a ${GHP} b\n${PEM.join('\n')}\nid ${AKID}\ntail without newline ${GHP}`;
    for (const size of [1, 3, 7, 64, 4096]) {
      const s = new StreamRedactor();
      const out: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) {
        const b = s.push(Buffer.from(text.slice(i, i + size)));
        if (b) out.push(b);
      }
      const last = s.end();
      if (last) out.push(last);
      const got = Buffer.concat(out).toString();
      noSecret(got);
      assert.equal(got.split('\n').length, text.split('\n').length, `chunk size ${size}`);
      assert.match(got, /^a \[REDACTED github-token\] b\n-----BEGIN RSA PRIVATE KEY-----\n\[REDACTED private-key\]\n/);
      assert.match(got, /tail without newline \[REDACTED github-token\]$/);
    }
  });

  it('passes whole lines without secrets through as the same buffer, and other bytes byte for byte', () => {
    const s = new StreamRedactor();
    const clean = Buffer.from('line 1\nline 2\n');
    assert.equal(s.push(clean), clean);
    const bytes = Buffer.concat([Buffer.from('ech'), Buffer.from([0xff, 0xfe]), Buffer.from(`o ${GHP}\n`)]);
    const out = s.push(bytes)!;
    assert.deepEqual(
      out,
      Buffer.concat([Buffer.from('ech'), Buffer.from([0xff, 0xfe]), Buffer.from('o [REDACTED github-token]\n')]),
    );
  });
});
