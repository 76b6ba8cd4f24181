import { deviceOf, domainOf, setDomain } from '../../platform/edit.ts';
import {
  type IGroup,
  IOMMU_MMIO,
  IOMMU_READ,
  IOMMU_WRITE,
  type State,
  type SwMsiMap,
} from '../../platform/state.ts';
import { done, fail, type Res } from '../errno.ts';
import type { MsiIova } from '../iommu/dma-iommu.ts';
import { msi_msg_set_addr } from '../iommu/dma-iommu.ts';
import { iommu_map } from '../iommu/pgtable.ts';
import { ctxOf, igroupOf, setCtx, setIgroup } from './ctx.ts';

/** struct iommufd_sw_msi_maps holds a 64-bit bitmap: at most 64 sw_msi maps per context. */
export const IOMMUFD_SW_MSI_MAX = 64;

/**
 * iommufd_sw_msi_get_map (drivers/iommu/iommufd/driver.c): the context's map of (sw_msi_start,
 * doorbell page); a new one takes pgoff = 1 + the largest pgoff of that sw_msi_start and the next
 * id, -EOVERFLOW once 64 ids are used.
 */
const getMap = (s: State, ictx: string, addr: bigint, start: bigint): Res<SwMsiMap> => {
  const ctx = ctxOf(s, ictx);
  let maxPgoff = 0;
  for (const m of ctx.swMsi) {
    if (m.start !== start) continue;
    maxPgoff = Math.max(maxPgoff, m.pgoff + 1);
    if (m.addr === addr) return done(s, m);
  }
  if (ctx.swMsiId >= IOMMUFD_SW_MSI_MAX) return fail(s, 'EOVERFLOW');
  const m: SwMsiMap = { start, addr, pgoff: maxPgoff, id: ctx.swMsiId };
  return done(setCtx(s, ictx, { ...ctx, swMsi: [...ctx.swMsi, m], swMsiId: ctx.swMsiId + 1 }), m);
};

/** The IOVA of a sw_msi map in every domain of its context. */
export const swMsiIova = (s: State, m: SwMsiMap): bigint => m.start + BigInt(m.pgoff) * s.pageSize;

/**
 * iommufd_sw_msi_install: map the doorbell page READ|WRITE|MMIO at the map's IOVA in the paging
 * domain unless present_sw_msi already has it (iommu_map's error is returned).
 */
export const iommufd_sw_msi_install = (s: State, domainId: number, m: SwMsiMap): Res => {
  const d = domainOf(s, domainId);
  const hwpt = d.hwpt;
  if (hwpt === undefined) throw new Error(`model inconsistency: domain ${domainId} is no hwpt`);
  if (hwpt.presentSwMsi.includes(m.id)) return done(s, undefined);
  const iova = swMsiIova(s, m);
  const r = iommu_map(s, domainId, iova, m.addr, s.pageSize, IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO, 'msi');
  if (!r.ok) return r;
  const after = domainOf(r.state, domainId);
  return done(
    setDomain(r.state, {
      ...after,
      hwpt: { ...hwpt, presentSwMsi: [...hwpt.presentSwMsi, m.id] },
      msiPages: new Map(after.msiPages).set(m.addr >> 12n, iova >> 12n),
    }),
    undefined,
  );
};

/**
 * iommufd_sw_msi for the paging hwpt `domainId` of `device`'s group: no attach handle or no
 * SW_MSI leaves the message physical; else the context's map for the doorbell page is installed,
 * recorded in the group's required_sw_msi, and the descriptor gets (iova, PAGE_SHIFT).
 */
export const iommufd_sw_msi = (s0: State, device: number, domainId: number, doorbell: bigint): MsiIova => {
  const dev = deviceOf(s0, device);
  // Stryker disable next-line OptionalChaining: only reached through iommu_dma_prepare_msi for an IOMMUFD cookie, whose domain is always an hwpt
  const ictx = domainOf(s0, domainId).hwpt?.ictx;
  // Stryker disable next-line ConditionalExpression: ctxOf of no context is the empty one, so ig is undefined either way
  const ig = ictx === undefined ? undefined : ctxOf(s0, ictx).igroups.get(dev.group);
  const physical = done(s0, { iova: 0n, shift: 0, addr: doorbell });
  if (ictx === undefined || ig === undefined || ig.hwpt === undefined) return physical;
  if (ig.swMsiStart === undefined) return physical;
  const got = getMap(s0, ictx, doorbell & ~(s0.pageSize - 1n), ig.swMsiStart);
  if (!got.ok) return fail(got.state, got.errno);
  const inst = iommufd_sw_msi_install(got.state, domainId, got.value);
  if (!inst.ok) return fail(inst.state, inst.errno);
  let s = inst.state;
  const cur = igroupOf(s, ictx, dev.group);
  if (!cur.required.includes(got.value.id))
    s = setIgroup(s, ictx, dev.group, { ...cur, required: [...cur.required, got.value.id] });
  const shift = s.pageSize.toString(2).length - 1;
  const set = { iova: swMsiIova(s, got.value), shift };
  return done(s, { ...set, addr: msi_msg_set_addr(set, doorbell) });
};

/**
 * iommufd_group_setup_msi (drivers/iommu/iommufd/device.c): before the group's first attach to a
 * paging hwpt, install every map of the context with the group's sw_msi_start that the group
 * requires (required_sw_msi) — not the pages other groups of the context use.
 */
export const iommufd_group_setup_msi = (s0: State, ictx: string, ig: IGroup, domainId: number): Res => {
  // Stryker disable next-line ConditionalExpression: a shortcut; with no sw_msi_start no map's start matches and the loop installs nothing
  if (ig.swMsiStart === undefined) return done(s0, undefined);
  let s = s0;
  for (const m of ctxOf(s, ictx).swMsi) {
    if (m.start !== ig.swMsiStart || !ig.required.includes(m.id)) continue;
    const r = iommufd_sw_msi_install(s, domainId, m);
    if (!r.ok) return r;
    s = r.state;
  }
  return done(s, undefined);
};
