import type { State } from '../../platform/state.ts';
import { done, fail, type Res } from '../errno.ts';
import { holes, type Range, ULONG_MAX } from '../interval.ts';
import { ctxOf } from './ctx.ts';

/**
 * VFIO_IOMMU_GET_INFO on the iommufd VFIO-compatibility container (iommufd_vfio_iommu_get_info →
 * iommufd_fill_cap_iova): -ENODEV without a compat IOAS (get_compat_ioas); else the holes of the
 * compat IOAS's reserved ranges, as IOMMU_IOAS_IOVA_RANGES reports them.
 */
export const iommufd_vfio_iova_ranges = (s: State, ictx: string): Res<readonly Range[]> => {
  const ioas = ctxOf(s, ictx).vfioIoas;
  const a = ioas === undefined ? undefined : s.ioases[ioas];
  if (a === undefined) return fail(s, 'ENODEV');
  return done(s, holes(a.reserved, 0n, ULONG_MAX));
};
