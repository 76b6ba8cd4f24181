import type { IGroup, Ioas, IommufdCtx, State } from '../../platform/state.ts';

/** An iommufd context (open /dev/iommu) as its token names it; a context is created on first use. */
const EMPTY_CTX: IommufdCtx = { ioas: [], swMsi: [], swMsiId: 0, igroups: new Map() };
const EMPTY_IGROUP: IGroup = { required: [], attached: [], bound: 0 };

export const ctxOf = (s: State, ictx: string): IommufdCtx => s.iommufd.get(ictx) ?? EMPTY_CTX;
export const setCtx = (s: State, ictx: string, c: IommufdCtx): State => ({
  ...s,
  iommufd: new Map(s.iommufd).set(ictx, c),
});

/** iommufd_get_group: the context's view of a group (a fresh one has sw_msi_start = PHYS_ADDR_MAX). */
export const igroupOf = (s: State, ictx: string, group: number): IGroup =>
  ctxOf(s, ictx).igroups.get(group) ?? EMPTY_IGROUP;
export const setIgroup = (s: State, ictx: string, group: number, ig: IGroup | undefined): State => {
  const c = ctxOf(s, ictx);
  const igroups = new Map(c.igroups);
  if (ig === undefined) igroups.delete(group);
  else igroups.set(group, ig);
  return setCtx(s, ictx, { ...c, igroups });
};

/** iommufd_ioas_alloc: a new IOAS of the context, with an empty io_pagetable (iova_alignment 1). */
export const iommufd_ioas_alloc = (s: State, ictx: string): [State, number] => {
  const id = s.ioases.length;
  const ioas: Ioas = { id, ictx, areas: [], reserved: [], allowed: [], hwpts: [], alignment: 1n };
  const c = ctxOf(s, ictx);
  return [setCtx({ ...s, ioases: [...s.ioases, ioas] }, ictx, { ...c, ioas: [...c.ioas, id] }), id];
};

/** iommufd_get_ioas: the IOAS only if it belongs to the context (iommufd_get_object → -ENOENT). */
export const ioasInCtx = (s: State, ictx: string, ioas: number): boolean => s.ioases[ioas]?.ictx === ictx;
