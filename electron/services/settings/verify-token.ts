/** A random webhook verify token: 32 bytes from the OS CSPRNG, base64url (43 characters, URL-safe). */
import { randomBytes } from 'node:crypto';

export function generateVerifyToken(): string {
  return randomBytes(32).toString('base64url');
}
