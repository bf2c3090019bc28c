// Message signatures (SignatureVersion 1 = SHA1withRSA, 2 = SHA256withRSA over SNS's canonical
// string), made with a key of this endpoint's own: created on first use in <dataDir>/sns/ and never
// leaving it. Its public key is served at SigningCertUrl, so a subscriber can check a signature with
// `crypto.verify`; it is not an AWS certificate, and validators that insist on an amazonaws.com
// certificate host will (rightly) refuse it.
import * as fs from 'node:fs';
import { createPrivateKey, createPublicKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileAtomicSync } from '../core/persist.ts';

/** Where the local endpoint serves the public key (no signature needed, like AWS's certificate URL). */
export const SIGNING_CERT_PATH = '/_localaws/sns/SimpleNotificationService-local.pem';

export interface SignedFields {
  type: 'Notification';
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  timestamp: string;
}

/** SNS's string to sign for a Notification: name/value lines in this order, Subject only when present. */
export function stringToSign(f: SignedFields): string {
  const lines: Array<[string, string]> = [
    ['Message', f.message],
    ['MessageId', f.messageId],
  ];
  if (f.subject !== undefined) lines.push(['Subject', f.subject]);
  lines.push(['Timestamp', f.timestamp], ['TopicArn', f.topicArn], ['Type', f.type]);
  return lines.map(([k, v]) => `${k}\n${v}\n`).join('');
}

export class MessageSigner {
  private key: KeyObject | undefined;

  constructor(private readonly keyFile: string) {}

  private privateKey(): KeyObject {
    if (this.key) return this.key;
    if (fs.existsSync(this.keyFile)) {
      this.key = createPrivateKey(fs.readFileSync(this.keyFile));
    } else {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileAtomicSync(this.keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
      this.key = privateKey;
    }
    return this.key;
  }

  /** base64 signature of the message's canonical string. */
  sign(fields: SignedFields, signatureVersion: string): string {
    const signer = createSign(signatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1');
    signer.update(stringToSign(fields), 'utf8');
    return signer.sign(this.privateKey(), 'base64');
  }

  publicKeyPem(): string {
    return createPublicKey(this.privateKey()).export({ type: 'spki', format: 'pem' }).toString();
  }
}
