/**
 * Limits on failed password sign-ins, per account and per client address,
 * against guessing. Each key counts its failures in a fixed window that
 * starts with its first failure; at the limit, every password attempt for
 * that key answers 429 with `Retry-After` until the window ends, the right
 * password included (otherwise the answer would tell a guesser when it
 * guessed right), and without computing a hash. Accounts that do not exist
 * are counted like the others, so the limit reveals nothing either. A
 * successful sign-in clears its account's count. Tokens are not limited:
 * they cannot be guessed.
 *
 * In memory: a restart forgets the counts; at most MAX_KEYS keys are kept
 * (the oldest go first), so a flood of made-up emails cannot grow it.
 */

export interface SignInLimitOptions {
  /** Failed attempts per account in one window. @default {10} */
  perAccount: number;
  /** Failed attempts per client address in one window, across accounts. @default {50} */
  perAddress: number;
  /** The window, in milliseconds. @default {15 minutes} */
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimitOptions = {
  perAccount: 10,
  perAddress: 50,
  windowMs: 15 * 60 * 1000,
};

const MAX_KEYS = 100_000;

interface Window {
  failures: number;
  startedAt: number;
}

export class SignInLimits {
  readonly #options: SignInLimitOptions;
  readonly #windows = new Map<string, Window>();
  readonly #now: () => number;

  constructor(options: SignInLimitOptions = DEFAULT_SIGN_IN_LIMITS, now = () => Date.now()) {
    this.#options = options;
    this.#now = now;
  }

  /** Seconds until `email` from `address` may try again; 0 when it may now. */
  retryAfter(email: string, address: string | undefined): number {
    const waits = [this.#wait(accountKey(email), this.#options.perAccount)];
    if (address !== undefined) {
      waits.push(this.#wait(addressKey(address), this.#options.perAddress));
    }
    return Math.max(...waits);
  }

  recordFailure(email: string, address: string | undefined): void {
    this.#count(accountKey(email));
    if (address !== undefined) this.#count(addressKey(address));
  }

  recordSuccess(email: string): void {
    this.#windows.delete(accountKey(email));
  }

  #wait(key: string, limit: number): number {
    const window = this.#current(key);
    if (!window || window.failures < limit) return 0;
    return Math.max(1, Math.ceil((window.startedAt + this.#options.windowMs - this.#now()) / 1000));
  }

  #current(key: string): Window | undefined {
    const window = this.#windows.get(key);
    if (window && this.#now() - window.startedAt >= this.#options.windowMs) {
      this.#windows.delete(key);
      return undefined;
    }
    return window;
  }

  #count(key: string): void {
    const window = this.#current(key);
    if (window) {
      window.failures++;
      return;
    }
    if (this.#windows.size >= MAX_KEYS) {
      this.#windows.delete(this.#windows.keys().next().value!);
    }
    this.#windows.set(key, { failures: 1, startedAt: this.#now() });
  }
}

/** Emails compare case-insensitively, like the users table. */
function accountKey(email: string): string {
  return `account:${email.toLowerCase()}`;
}

function addressKey(address: string): string {
  return `address:${address}`;
}
