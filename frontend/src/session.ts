/** The room's session close and the encodings of the recover path (no JupyterLab imports). */

export const SESSION_EXPIRED = 1003;

/** True for the room's "your history is unknown here" close. */
export function isUnknownSession(event: { code: number; reason: string }): boolean {
  if (event.code !== SESSION_EXPIRED) {
    return false;
  }
  try {
    return JSON.parse(event.reason)?.reason === 'unknown_session';
  } catch {
    return false;
  }
}

/** Base64 of bytes (the recover API's encoding of a Y update). */
export function toBase64(bytes: Uint8Array): string {
  let text = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    text += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(text);
}

/** The sessionId a room socket was opened with (its URL's query). */
export function sessionIdOf(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('sessionId') ?? undefined;
  } catch {
    return undefined;
  }
}
