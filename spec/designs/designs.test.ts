import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalFindings, canonicalProblems } from './canonical.ts';
import { DESIGNS_DIR, DesignError, getDesign, loadDesigns } from './load.ts';

const designs = loadDesigns();

// ---------------------------------------------------------------- (a) catalogue

describe('design catalogue (docs/architecture.md#design-catalogue: the folder is the catalogue)', () => {
  it('the catalogue is exactly the JSON files of spec/designs, each named after its id (spec/designs/load.ts loadDesigns)', () => {
    const files = readdirSync(DESIGNS_DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    expect([...designs.keys()].sort()).toEqual(files.map((f) => f.slice(0, -'.json'.length)).sort());
    for (const [id, d] of designs) expect(d.id).toBe(id);
  });

  it.each([...designs.keys()])(
    '%s cites at least one source, and every seed it lists is cited in its sources (spec/designs/schema.ts DesignSchema sources, seeds)',
    (id) => {
      const d = getDesign(id);
      expect(d.sources.length, `${id} sources`).toBeGreaterThan(0);
      const uncited = d.seeds.filter((seed) => !d.sources.some((s) => s.ref.startsWith(`seed ${seed}`)));
      expect(uncited, `${id} seeds not cited in its sources`).toEqual([]);
    },
  );
});

// ---------------------------------------------------------------- (b) canonical replay

describe('canonical scenarios replay as their design files say (model/platform build + step + deliverFrom)', () => {
  for (const d of designs.values()) {
    it(`${d.id}: every canonical op returns ok or the refusal in canonical.refusals, and after every op each programmed MSI arrives on its own IRQ unless canonical.undelivered names its owner`, () => {
      const f = canonicalFindings(d, d.canonical);
      expect(f.irqs).toBeGreaterThan(0);
      expect(canonicalProblems(d)).toEqual([]);
    });
  }

  it('a wrong expectation is found: an undelivered owner that does arrive, a refusal that succeeds (canonicalProblems self-test)', () => {
    const d = [...designs.values()].find(
      (x) => x.canonical.refusals.length === 0 && x.canonical.undelivered.length === 0,
    );
    if (d === undefined) throw new Error('no design without canonical expectations');
    const wrong = {
      ...d,
      canonical: {
        ...d.canonical,
        refusals: [{ op: 0, errno: 'EPERM' as const, why: 'test' }],
        undelivered: [{ owner: 'host' as const, outcome: 'fault' as const, why: 'test' }],
      },
    };
    expect(canonicalProblems(wrong)).toEqual([
      'canonical op 0 succeeds; canonical.refusals says EPERM',
      'host MSIs of the canonical scenario end in arrives; the design file says they end in fault',
    ]);
  });
});

// ---------------------------------------------------------------- (c) malformed files

describe('malformed design files (spec/designs/load.ts DesignError)', () => {
  const first = [...designs.keys()][0] ?? '';
  const withBadCopy = (edit: (json: Record<string, unknown>) => void): unknown => {
    const dir = mkdtempSync(join(tmpdir(), 'msispec-designs-'));
    try {
      cpSync(DESIGNS_DIR, dir, { recursive: true, filter: (f) => !f.endsWith('.ts') });
      const file = join(dir, `${first}.json`);
      const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      edit(json);
      writeFileSync(file, JSON.stringify(json));
      try {
        loadDesigns(dir);
        return undefined;
      } catch (e) {
        return e;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const errorOf = (edit: (json: Record<string, unknown>) => void): DesignError => {
    const e = withBadCopy(edit);
    expect(e).toBeInstanceOf(DesignError);
    if (!(e instanceof DesignError)) throw new Error('no DesignError');
    expect(e.file).toMatch(new RegExp(`${first}\\.json$`));
    return e;
  };
  const part = (json: Record<string, unknown>, key: string) => json[key] as Record<string, unknown>;

  it('rejects policy.doorbells "maybe" naming the JSON path and the allowed values (zod enum; model/types/validate.ts firstIssue)', () => {
    const e = errorOf((json) => {
      part(json, 'policy').doorbells = 'maybe';
    });
    expect(e.error.path).toBe('$.policy.doorbells');
    expect(e.error.allowed).toContain('"prepare-msi"');
    expect(e.error.allowed).toContain('"msi-table-guest-files"');
    expect(e.message).toContain('$.policy.doorbells');
  });

  it('has one isolation knob: a claims.isolatedMsi beside policy.isolatedMsiClaim is refused, naming the knob (issue 8)', () => {
    const e = errorOf((json) => {
      part(json, 'claims').isolatedMsi = true;
    });
    expect(e.error.path).toBe('$.claims.isolatedMsi');
    expect(e.message).toContain('policy.isolatedMsiClaim');
  });

  it('refuses nesting knobs that mean nothing where they are: guestRmr without an RMR, guestDomain without nesting, nesting off the GICv3 ITS (model/kernel/kvm/guest-s1.ts)', () => {
    const rmr = errorOf((json) => {
      Object.assign(part(json, 'policy'), { nestedGuest: 'no-rmr', guestRmr: 'MSI' });
      json.hardware = { arch: 'arm', irqchip: 'gicv3-its' };
    });
    expect(rmr.error.path).toBe('$.policy.guestRmr');
    expect(rmr.message).toContain('policy.nestedGuest "rmr"');
    const dom = errorOf((json) => {
      Object.assign(part(json, 'policy'), { nestedGuest: 'none', guestDomain: 'vfio' });
    });
    expect(dom.error.path).toBe('$.policy.guestDomain');
    const arch = errorOf((json) => {
      Object.assign(part(json, 'policy'), { nestedGuest: 'rmr' });
      json.hardware = { arch: 'arm', irqchip: 'gicv2m' };
    });
    expect(arch.error.path).toBe('$.policy.nestedGuest');
    expect(arch.message).toContain('"gicv3-its"');
  });

  it('refuses a misspelt field instead of ignoring it, listing the fields allowed there', () => {
    const e = errorOf((json) => {
      part(json, 'policy').defaultDomian = 'dma';
    });
    expect(e.error.path).toBe('$.policy.defaultDomian');
    expect(e.error.allowed).toContain('defaultDomain');
  });

  it('validates the canonical scenario against its topology: an op naming a device that does not exist (model/platform/scenario.ts)', () => {
    const e = errorOf((json) => {
      const c = part(json, 'canonical');
      c.ops = [{ op: 'msi_domain_alloc_irqs', device: 9 }];
      c.refusals = [];
    });
    expect(e.error.path).toBe('$.canonical.ops[0].device');
    expect(e.message).toMatch(/must be below \d for this topology/);
  });

  it('refuses a canonical refusal that names no op of the scenario', () => {
    const e = errorOf((json) => {
      part(json, 'canonical').refusals = [{ op: 99, errno: 'EINVAL', why: 'x' }];
    });
    expect(e.error.path).toBe('$.canonical.refusals[0].op');
  });

  it('refuses a file whose id is not its name', () => {
    const e = errorOf((json) => {
      json.id = 'another-design';
    });
    expect(e.error.path).toBe('$.id');
  });
});
