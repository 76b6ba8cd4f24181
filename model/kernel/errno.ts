/** Linux errno values the modelled entry points return, as named constants (include/uapi/asm-generic/errno*.h). */
export const ERRNO = {
  EPERM: -1,
  ENODEV: -19,
  EINVAL: -22,
  ENOSPC: -28,
  EEXIST: -17,
  EBUSY: -16,
  EOVERFLOW: -75,
  EOPNOTSUPP: -95,
  EADDRINUSE: -98,
} as const;
export type ErrnoName = keyof typeof ERRNO;

/** What a kernel entry point returned: success (with an optional value) or a named errno. */
export type KResult = { ok: true; value?: number | string } | { ok: false; errno: ErrnoName };
export const OK: KResult = { ok: true };
export const err = (errno: ErrnoName): KResult => ({ ok: false, errno });
