import type { State } from '../platform/state.ts';

/** Linux errno values the modelled entry points return, as named constants (include/uapi/asm-generic/errno*.h). */
export const ERRNO = {
  EPERM: -1,
  ENOENT: -2,
  ENOMEM: -12,
  ENODEV: -19,
  EINVAL: -22,
  ENOSPC: -28,
  EEXIST: -17,
  EBUSY: -16,
  EOVERFLOW: -75,
  EMSGSIZE: -90,
  EOPNOTSUPP: -95,
  EADDRINUSE: -98,
} as const;
export type ErrnoName = keyof typeof ERRNO;

/** What a kernel entry point returned: success (with an optional value) or a named errno. */
export type KResult = { ok: true; value?: number | string } | { ok: false; errno: ErrnoName };
export const OK: KResult = { ok: true };
export const err = (errno: ErrnoName): KResult => ({ ok: false, errno });

/**
 * A kernel function's outcome inside the model: the state after the call and its value, or the
 * errno with the state the failed call left (unwound as the kernel unwinds; warnings it printed
 * and what it does not undo stay) and what it still wrote back to the caller (`partial`).
 */
export type Res<T = undefined> =
  | { readonly ok: true; readonly state: State; readonly value: T }
  | { readonly ok: false; readonly state: State; readonly errno: ErrnoName; readonly partial?: T };
export const done = <T>(state: State, value: T): Res<T> => ({ ok: true, state, value });
export const fail = <T = never>(state: State, errno: ErrnoName): Res<T> => ({ ok: false, state, errno });
