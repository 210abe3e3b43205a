// k6/crypto: one-shot digests, an incremental hasher, an HMAC and random
// bytes. Outputs are hex, base64 or an ArrayBuffer, as asked.
import crypto from 'k6/crypto';

export const options = { iterations: 1 };

export default function () {
  console.log(`sha256: ${crypto.sha256('hello', 'hex')}`);
  console.log(`md5: ${crypto.md5('hello', 'base64')}`);

  const hasher = crypto.createHash('sha1');
  hasher.update('hel');
  hasher.update('lo');
  console.log(`sha1 in two parts: ${hasher.digest('hex')}`);

  console.log(`hmac-sha256: ${crypto.hmac('sha256', 'a secret', 'hello', 'hex')}`);
  console.log(`random bytes: ${crypto.randomBytes(16).byteLength}`);
}
