import type { Actor } from './auth/authenticator.js';

/** Who is asking, under which request id, and when: what services need to decide and audit. */
export type RequestFacts = { actor: Actor; requestId: string | undefined; now: Date };
