// Binary key stores committed to a repository: Java keystores (JKS, JCEKS, BKS) and PKCS#12
// (.p12, .pfx). The text scanner never sees them (they contain NUL bytes), so they are known by
// name and confirmed by their first bytes, which a renamed text file or an empty stand-in lacks.
import { fnv1a64, type SecretHit } from './secrets';
import { KEY_FILE } from './secretsRules';

const KEYSTORE_NAME_RE = /\.(?:jks|jceks|keystore|bks|p12|pfx)$/i;
/** Trust stores hold public certificates only. */
const TRUSTSTORE_RE = /trust|cacerts/i;

/** The format the bytes say, or undefined when they are not a key store. */
function keystoreFormat(b: Uint8Array): string | undefined {
  if (b.length < 8) return undefined;
  const u32 = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  if (u32 === 0xfeedfeed) return 'Java keystore (JKS)';
  if (u32 === 0xcececece) return 'Java keystore (JCEKS)';
  if (u32 === 1 || u32 === 2) return 'Bouncy Castle keystore (BKS)';
  // PKCS#12: a DER SEQUENCE whose first element is INTEGER 3 (the PFX version)
  if (b[0] === 0x30) {
    const lenBytes = b[1]! & 0x80 ? b[1]! & 0x7f : 0;
    const i = 2 + lenBytes;
    if (lenBytes <= 4 && b[i] === 0x02 && b[i + 1] === 0x01 && b[i + 2] === 0x03) return 'PKCS#12 key store';
  }
  return undefined;
}

/** One finding on line 1 for a key store file, or undefined. `rel` is workspace-relative. */
export function keystoreHit(rel: string, bytes: Uint8Array): SecretHit | undefined {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  if (!KEYSTORE_NAME_RE.test(base) || TRUSTSTORE_RE.test(base)) return undefined;
  const format = keystoreFormat(bytes);
  if (!format) return undefined;
  let sample = '';
  for (const b of bytes.subarray(0, 4096)) sample += String.fromCharCode(b);
  return {
    file: rel,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    ruleId: KEY_FILE.id,
    severity: KEY_FILE.severity,
    message: `${format} committed (${bytes.length} bytes): it holds private keys`,
    fingerprint: fnv1a64(`${KEY_FILE.id}\0${rel}\0${bytes.length}\0${sample}`),
  };
}
