import { describe, expect, it } from 'vitest';
import type { ResvRegion, ResvType } from '../../platform/state.ts';
import { iommu_insert_resv_region, mergedResv, overlaps, RESV_TYPE_ORDER, RESV_TYPE_STRING } from './resv.ts';

const r = (start: number, length: number, type: ResvType = 'RESERVED'): ResvRegion => ({
  start: BigInt(start),
  length: BigInt(length),
  type,
});

describe('iommu_insert_resv_region (drivers/iommu/iommu.c iommu_insert_resv_region)', () => {
  it('into an empty list: the region alone', () => {
    expect(iommu_insert_resv_region(r(0x1000, 0x1000), [])).toEqual([r(0x1000, 0x1000)]);
  });

  it('adjacent regions of the type merge (iter->start == top_end + 1); one byte of gap keeps them apart', () => {
    expect(iommu_insert_resv_region(r(0x2000, 0x1000), [r(0x1000, 0x1000)])).toEqual([r(0x1000, 0x2000)]);
    expect(iommu_insert_resv_region(r(0x2001, 0x1000), [r(0x1000, 0x1000)])).toEqual([
      r(0x1000, 0x1000),
      r(0x2001, 0x1000),
    ]);
    // Inserted below the existing one: sorted first, then the existing one merges into it.
    expect(iommu_insert_resv_region(r(0x1000, 0x1000), [r(0x2000, 0x1000)])).toEqual([r(0x1000, 0x2000)]);
  });

  it('overlap takes max(top_end, iter_end): a contained region leaves the length, a longer one extends it', () => {
    expect(iommu_insert_resv_region(r(0x1800, 0x100), [r(0x1000, 0x1000)])).toEqual([r(0x1000, 0x1000)]);
    expect(iommu_insert_resv_region(r(0x1800, 0x1000), [r(0x1000, 0x1000)])).toEqual([r(0x1000, 0x1800)]);
    expect(iommu_insert_resv_region(r(0x1fff, 0x2), [r(0x1000, 0x1000)])).toEqual([r(0x1000, 0x1001)]);
  });

  it('regions of another type are never merged, even when they overlap (no merge on elements of different types)', () => {
    expect(iommu_insert_resv_region(r(0x1000, 0x1000, 'MSI'), [r(0x1000, 0x1000, 'DIRECT')])).toEqual([
      r(0x1000, 0x1000, 'DIRECT'),
      r(0x1000, 0x1000, 'MSI'),
    ]);
  });

  it('same start: sorted by enum iommu_resv_type (nr->type <= iter->type goes first)', () => {
    expect(iommu_insert_resv_region(r(0x1000, 0x10, 'DIRECT'), [r(0x1000, 0x10, 'MSI')])).toEqual([
      r(0x1000, 0x10, 'DIRECT'),
      r(0x1000, 0x10, 'MSI'),
    ]);
    expect(iommu_insert_resv_region(r(0x1000, 0x10, 'SW_MSI'), [r(0x1000, 0x10, 'MSI')])).toEqual([
      r(0x1000, 0x10, 'MSI'),
      r(0x1000, 0x10, 'SW_MSI'),
    ]);
    expect(RESV_TYPE_ORDER).toEqual(['DIRECT', 'DIRECT_RELAXABLE', 'RESERVED', 'MSI', 'SW_MSI']);
  });

  it('a region of the type beyond one of another type merges with the last stacked region of its own type', () => {
    const list = [r(0x1000, 0x1000), r(0x1800, 0x10, 'MSI')];
    expect(iommu_insert_resv_region(r(0x2000, 0x1000), list)).toEqual([
      r(0x1000, 0x2000),
      r(0x1800, 0x10, 'MSI'),
    ]);
  });
});

describe('mergedResv (drivers/iommu/iommu.c iommu_get_group_resv_regions) and iommu_group_resv_type_string', () => {
  it('two devices with the same SW_MSI window report it once', () => {
    const sw = r(0x0800_0000, 0x10_0000, 'SW_MSI');
    expect(mergedResv([{ resv: [sw] }, { resv: [sw] }])).toEqual([sw]);
    expect(mergedResv([])).toEqual([]);
  });

  it('MSI and SW_MSI both print "msi"', () => {
    expect(RESV_TYPE_STRING).toEqual({
      DIRECT: 'direct',
      DIRECT_RELAXABLE: 'direct-relaxable',
      RESERVED: 'reserved',
      MSI: 'msi',
      SW_MSI: 'msi',
    });
  });
});

describe('overlaps: half-open intersection of [start, start + length)', () => {
  it('the byte before, the first byte, the last byte and the byte after', () => {
    const w = r(0x1000, 0x1000);
    expect(overlaps(w, 0xfffn, 1n)).toBe(false);
    expect(overlaps(w, 0xfffn, 2n)).toBe(true);
    expect(overlaps(w, 0x1fffn, 1n)).toBe(true);
    expect(overlaps(w, 0x2000n, 1n)).toBe(false);
  });
});
