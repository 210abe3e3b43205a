// The Web Crypto API of the global crypto object: a SHA-256 digest, an AES-GCM
// key that encrypts and decrypts, an ECDSA key pair that signs and verifies, and
// the error a refused operation rejects with. Every crypto.subtle method returns
// a promise.
export default async function () {
  const message = new TextEncoder().encode('Hello, k6!');

  const digest = await crypto.subtle.digest('SHA-256', message);
  console.log(`sha-256: ${hex(digest)}`);

  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, [
    'encrypt',
    'decrypt',
  ]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, message);
  const plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, ciphertext);
  console.log(`aes-gcm: ${ciphertext.byteLength} bytes decrypt to "${new TextDecoder().decode(plaintext)}"`);

  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
  const signature = await crypto.subtle.sign(ecdsa, pair.privateKey, message);
  const valid = await crypto.subtle.verify(ecdsa, pair.publicKey, signature, message);
  console.log(`ecdsa: ${signature.byteLength}-byte signature, valid: ${valid}`);

  try {
    await crypto.subtle.exportKey('jwk', pair.privateKey);
  } catch (e) {
    console.log(`exporting the private key: ${e.name}`);
  }
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
