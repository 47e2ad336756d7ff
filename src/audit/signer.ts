import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Signs audit checkpoints with Ed25519. The key lives outside the database (in DATA_DIR by
 * default, or a file shared by every instance), so someone who can write to the database
 * cannot forge a checkpoint over a rewritten trail.
 */
export type CheckpointSigner = {
  keyId: string;
  sign(message: string): string;
  verify(keyId: string, message: string, signature: string): boolean;
};

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function signerFromPrivateKey(privateKey: KeyObject): CheckpointSigner {
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    sign: (message) => sign(null, Buffer.from(message), privateKey).toString('base64url'),
    verify: (id, message, signature) => id === keyId && verify(null, Buffer.from(message), publicKey, Buffer.from(signature, 'base64url')),
  };
}

export function generateSigner(): CheckpointSigner {
  return signerFromPrivateKey(generateKeyPairSync('ed25519').privateKey);
}

/** Loads the checkpoint key from a PEM file, creating it (mode 0600) on first start. */
export function loadCheckpointSigner(file: string): CheckpointSigner {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    fs.writeFileSync(`${file}.tmp`, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
  }
  return signerFromPrivateKey(createPrivateKey(fs.readFileSync(file)));
}

export function checkpointMessage(chain: string, position: number, headHash: string, at: Date): string {
  return ['cadap-audit-checkpoint', chain, String(position), headHash, at.toISOString()].join('\n');
}
